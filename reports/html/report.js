// report.html's script: draws the non-passing checks, their records and the
// passing checks from the data embedded in the page (see htmlPayload in
// reports/html.go), and runs the filters. Strings from the target are only
// ever set as text (textContent), never parsed as HTML.
(function () {
  "use strict";

  // RFC 8446 §4, RFC 5246 §7.4 and the IANA registry.
  var HANDSHAKE = {
    0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 3: "HelloVerifyRequest", 4: "NewSessionTicket",
    5: "EndOfEarlyData", 6: "HelloRetryRequest", 8: "EncryptedExtensions", 11: "Certificate",
    12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone", 15: "CertificateVerify",
    16: "ClientKeyExchange", 20: "Finished", 21: "CertificateURL", 22: "CertificateStatus",
    24: "KeyUpdate", 25: "CompressedCertificate", 254: "MessageHash"
  };
  var CONTENT = { 20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 24: "heartbeat" };
  var ALERT = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
    22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
    42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
    46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
    50: "decode_error", 51: "decrypt_error", 60: "export_restriction", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
    111: "certificate_unobtainable", 112: "unrecognized_name", 113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value", 115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol", 121: "ech_required"
  };
  // RFC 8446 §4.1.3: a ServerHello with this random is a HelloRetryRequest.
  var HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";
  // Failures open on their own, as long as they are few enough to read.
  var OPEN_FAILURES = 20;

  var data, findings = [], passRows = [];

  // el makes an element with a class and text: the only way this script
  // puts a string into the page.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function hex2(n) { return (n < 16 ? "0" : "") + n.toString(16); }
  function hexOf(b, from, to) {
    var s = "";
    for (var i = from; i < to; i++) s += hex2(b[i]);
    return s;
  }
  function ms(x) { return (+x).toFixed(2); }

  async function load() {
    var text = document.getElementById("tlsconform-data").textContent.trim();
    var bin = atob(text), z = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) z[i] = bin.charCodeAt(i);
    if (typeof DecompressionStream === "undefined") {
      throw new Error("this browser has no DecompressionStream (Chromium 80, Firefox 113, Safari 16.4 have it)");
    }
    var out = await new Response(new Blob([z]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    var buf = new Uint8Array(out);
    var n = new DataView(out).getUint32(0);
    var d = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + n)));
    var off = 4 + n;
    d.blob = d.blobs.map(function (len) { var b = buf.subarray(off, off + len); off += len; return b; });
    return d;
  }

  // hexDump is the classic 16 bytes a line, offset, hex and ASCII.
  function hexDump(b) {
    var lines = [], w = b.length > 0xffff ? 6 : 4;
    for (var o = 0; o < b.length; o += 16) {
      var h = "", a = "";
      for (var i = 0; i < 16; i++) {
        if (i === 8) h += " ";
        if (o + i < b.length) {
          var c = b[o + i];
          h += hex2(c) + " ";
          a += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
        } else {
          h += "   ";
        }
      }
      lines.push(o.toString(16).padStart(w, "0") + "  " + h + " |" + a + "|");
    }
    return lines.join("\n") || "(empty)";
  }

  // annotate names what a record's content holds: the handshake messages
  // (type and length), or the alert.
  function annotate(type, b) {
    var list = el("ol");
    if (type === "handshake") {
      var off = 0;
      while (off + 4 <= b.length) {
        var t = b[off], len = (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
        var name = HANDSHAKE[t] || "unknown";
        if (t === 2 && len >= 34 && off + 38 <= b.length && hexOf(b, off + 6, off + 38) === HRR_RANDOM) {
          name = "HelloRetryRequest (a ServerHello with the RFC 8446 §4.1.3 random)";
        }
        var note = "offset 0x" + off.toString(16).padStart(4, "0") + ": " + name + " (type " + t + "), " + len + " bytes";
        if (off + 4 + len > b.length) note += ", cut short: " + (b.length - off - 4) + " present";
        add(list, el("li", null, note));
        off += 4 + len;
      }
      if (off < b.length) add(list, el("li", null, "offset 0x" + off.toString(16).padStart(4, "0") + ": " + (b.length - off) + " trailing bytes, not a whole handshake header"));
    } else if (type === "alert" && b.length >= 2) {
      add(list, el("li", null, "level " + (b[0] === 2 ? "fatal" : b[0] === 1 ? "warning" : "unknown") + " (" + b[0] + "), " +
        (ALERT[b[1]] || "unknown") + " (" + b[1] + ")" + (b.length > 2 ? ", then " + (b.length - 2) + " more bytes" : "")));
    } else if (type === "change_cipher_spec") {
      add(list, el("li", null, b.length + " byte" + (b.length === 1 ? "" : "s") + (b.length ? ", value " + b[0] : "")));
    }
    return list.childNodes.length ? list : null;
  }

  function recordBody(e) {
    var body = el("div", "recbody");
    var type = e[3], raw = data.blob[e[5]], enc = e[7] === 1;
    var head = "Record, " + raw.length + " bytes";
    if (raw.length >= 5) {
      var len = (raw[3] << 8) | raw[4];
      head += ": content type " + raw[0] + " (" + (CONTENT[raw[0]] || "unknown") + "), version 0x" + hex2(raw[1]) + hex2(raw[2]) +
        ", length " + len + (len !== raw.length - 5 ? " (" + (raw.length - 5) + " follow)" : "");
    }
    add(body, el("h4", null, head), el("pre", "hex", hexDump(raw)));
    if (enc) {
      if (e[6] >= 0) {
        var pt = data.blob[e[6]];
        add(body, el("h4", null, "Decrypted content, " + pt.length + " bytes (" + type + ")"), annotate(type, pt), el("pre", "hex", hexDump(pt)));
      } else {
        add(body, el("p", "rec-note", "Encrypted: no key the suite held opened this record."));
      }
    } else if (raw.length > 5) {
      var a = annotate(type, raw.subarray(5));
      if (a) add(body, el("h4", null, "Content (from offset 0x0005, after the record header)"), a);
    }
    return body;
  }

  function record(e) {
    var client = e[1] === "c", text = e[4];
    var cells = [el("span", "ms", ms(e[2])), el("span", "l", client ? text : ""), el("span", "arr", client ? "──────►" : "◄──────"), el("span", "r", client ? "" : text)];
    if (e[7] === 1) add(cells[client ? 1 : 3], el("span", "rec-note", e[6] >= 0 ? " (encrypted)" : " (encrypted, not opened)"));
    if (e[5] < 0) {
      var row = el("div", "lrow pseudo " + (client ? "c" : "s"));
      cells.forEach(function (c) { row.appendChild(c); });
      return row;
    }
    var d = el("details", "rec " + (client ? "c" : "s"));
    d._rec = e;
    var s = el("summary");
    s.title = "show the record's bytes";
    cells.forEach(function (c) { s.appendChild(c); });
    d.appendChild(s);
    return d;
  }

  // ladder draws every conversation of a check, each with its label; time
  // restarts with each.
  function ladder(c) {
    var box = el("div", "ladder");
    if ((!c.ev || !c.ev.length) && c.same) return add(box, el("p", "none", "The same root cause as " + c.same + ", whose conversation stands for this one's (run with -full-report / FULL_REPORT=1 to keep every conversation)."));
    if (!c.ev || !c.ev.length) return add(box, el("p", "none", "(no transcript recorded)"));
    var convs = c.convs && c.convs.length ? c.convs : [{ label: "" }];
    convs.forEach(function (cv, i) {
      var evs = c.ev.filter(function (e) { return e[0] === i; });
      if (convs.length > 1 || cv.label) {
        add(box, el("div", "conv", (cv.label || "conversation " + (i + 1)) + (cv.start ? " · started " + cv.start : "") + " · " + evs.length + " record" + (evs.length === 1 ? "" : "s")));
      }
      add(box, add(el("div", "lrow lhead"), el("span", "ms", "ms"), el("span", null, "Client"), el("span"), el("span", null, "Server")));
      evs.forEach(function (e) { box.appendChild(record(e)); });
    });
    return box;
  }

  function findingBody(c) {
    var body = el("div", "body");
    if (c.rule) add(body, el("blockquote", "rule", c.rule));
    var dl = el("dl", "eo");
    function row(k, v, cls) { if (v) add(dl, el("dt", null, k), el("dd", cls, v)); }
    row("RFC", c.rfc);
    row("Expected", c.want || "—");
    row("Observed", c.obs || "—", "obs");
    row("Why", c.why);
    row("Defined at", c.src);
    add(body, dl);
    if (c.dev) {
      var dev = add(el("div", "dev"), el("strong", null, "Expected deviation"), " (entry ", el("code", null, c.dev.id), ", " + c.dev.status + "): " + c.dev.reason);
      if (c.dev.link) add(dev, " — see " + c.dev.link);
      add(body, dev);
    }
    if (c.chg) {
      var ch = c.chg, p = add(el("p", "change"), el("strong", null, "Changed: "), ch.message + (ch.path ? " " : ""), ch.path ? el("code", null, ch.path) : null, " at offset " + ch.offset + ": ");
      add(p, ch.before ? el("code", "before", ch.before) : el("em", null, "(inserted)"), " → ", ch.after ? el("code", "after", ch.after) : el("em", null, "(removed)"));
      if (c.mut) add(p, " (", el("code", null, c.mut), ")");
      add(body, p);
    } else if (c.mut) {
      add(body, add(el("p", "change"), el("strong", null, "Mutator: "), el("code", null, c.mut)));
    }
    add(body, ladder(c));
    return body;
  }

  function finding(c, i) {
    var d = el("details", "finding st-" + c.st);
    d.id = "f-" + i;
    d._check = c;
    var ctx = [c.v ? "TLS " + c.v : "", c.kx || ""].join(" ").trim();
    var meta = [c.level, c.rfc, ctx, ms(c.ms) + " ms"].filter(Boolean).join(" · ");
    add(d, add(el("summary"), el("span", "badge " + c.st, c.label), " ", el("code", null, c.id), el("span", "title", c.title), el("span", "meta", meta)));
    return d;
  }

  // build draws what a details element holds the first time it opens.
  function build(d) {
    if (d._built) return;
    d._built = true;
    if (d._check) d.appendChild(findingBody(d._check));
    else if (d._rec) d.appendChild(recordBody(d._rec));
    else if (d.matches("details.ids")) causeIDs(d);
    else if (d.id === "passing-details") {
      document.getElementById("passing-list").appendChild(passingTable());
      apply();
    }
  }

  function open(d) {
    build(d);
    d.open = true;
  }

  function goTo(i) {
    var d = findings[i];
    if (!d) return;
    if (d.hidden) {
      document.getElementById("filters").reset();
      apply();
    }
    open(d);
    d.scrollIntoView();
  }

  function causeIDs(details) {
    var p = details.querySelector(".idlist"), idx = data.causes[+details.dataset.cause] || [];
    p.textContent = "";
    idx.forEach(function (i) {
      var a = el("a", null, data.checks[i].id);
      a.href = "#f-" + i;
      a.addEventListener("click", function (ev) { ev.preventDefault(); goTo(i); });
      p.appendChild(a);
    });
  }

  function passingTable() {
    var t = el("table", "compact"), tb = el("tbody");
    add(t, add(el("thead"), add(el("tr"), el("th", null, "Id"), el("th", null, "Title"), el("th", null, "ms"))), tb);
    data.pass.forEach(function (p) {
      var tr = add(el("tr"), add(el("td"), el("code", null, p[0])), el("td", null, p[1]), el("td", "num", ms(p[6])));
      tr._pass = p;
      passRows.push(tr);
      tb.appendChild(tr);
    });
    return t;
  }

  // Filters: status, area, version, key exchange, level and a piece of
  // the id, over the causes, the non-passing checks and the passing ones.
  function filters() {
    var f = new FormData(document.getElementById("filters"));
    return {
      status: f.getAll("status"), area: f.get("area"), version: f.get("version"), kx: f.get("kx"),
      level: f.get("level"), q: (f.get("q") || "").toLowerCase()
    };
  }
  function has(list, want) {
    if (!want) return true;
    if (want === "-") return list.length === 0;
    return list.indexOf(want) >= 0;
  }
  function matchCheck(f, c, withStatus) {
    return (!withStatus || f.status.indexOf(c.st) >= 0) && has([c.area], f.area) && has(c.v ? [c.v] : [], f.version) &&
      has(c.kx ? [c.kx] : [], f.kx) && (!f.level || c.level === f.level) && (!f.q || c.id.toLowerCase().indexOf(f.q) >= 0);
  }
  function apply() {
    var f = filters(), shown = 0, causes = 0, total = 0;
    findings.forEach(function (d) {
      d.hidden = !matchCheck(f, d._check, true);
      if (!d.hidden) shown++;
    });
    document.querySelectorAll("#causes .cause").forEach(function (a) {
      total++;
      var words = function (k) { return (a.dataset[k] || "").split(" ").filter(Boolean); };
      var idx = data.causes[+a.dataset.ids] || [];
      var ok = f.status.indexOf(a.dataset.status) >= 0 && has(words("areas"), f.area) && has(words("versions"), f.version) &&
        has(words("kx"), f.kx) && (!f.level || a.dataset.level === f.level) &&
        idx.some(function (i) { return matchCheck(f, data.checks[i], false); });
      a.hidden = !ok;
      if (ok) causes++;
    });
    passRows.forEach(function (tr) {
      var p = tr._pass;
      tr.hidden = !matchCheck(f, { id: p[0], area: p[2], v: p[3], kx: p[4], level: p[5] }, false);
    });
    document.getElementById("filter-count").textContent = "showing " + shown + " of " + findings.length + " non-passing checks, " + causes + " of " + total + " root causes";
  }

  // The filters live in the address too (report.html#filter:status=warn&area=finished),
  // so a filtered view can be linked.
  var FIELDS = ["area", "version", "kx", "level", "q"];
  function fromHash(form) {
    var h = location.hash.slice(1);
    if (h.indexOf("filter:") !== 0) return;
    var q = new URLSearchParams(h.slice("filter:".length));
    if (q.has("status")) {
      var st = q.get("status").split(",");
      form.querySelectorAll("input[name=status]").forEach(function (cb) { cb.checked = st.indexOf(cb.value) >= 0; });
    }
    FIELDS.forEach(function (k) { if (q.has(k)) form.elements[k].value = q.get(k); });
  }
  function applyAndKeep() {
    apply();
    var f = filters(), q = new URLSearchParams();
    if (f.status.length !== document.querySelectorAll("#filters input[name=status]").length) q.set("status", f.status.join(","));
    FIELDS.forEach(function (k) { if (f[k]) q.set(k, f[k]); });
    var s = q.toString();
    if (s || location.hash.indexOf("#filter:") === 0) history.replaceState(null, "", s ? "#filter:" + s : location.pathname);
  }

  function render(d) {
    data = d;
    var list = document.getElementById("findings-list");
    var frag = document.createDocumentFragment(), opened = 0;
    data.checks.forEach(function (c, i) {
      var f = finding(c, i);
      findings.push(f);
      frag.appendChild(f);
      if (c.st === "fail" && opened < OPEN_FAILURES) {
        open(f);
        opened++;
      }
    });
    if (!data.checks.length) add(frag, el("p", "none", "None: every check that was judged passed."));
    list.appendChild(frag);

    // Each root cause's text ladder becomes the representative's records.
    var byID = {};
    data.checks.forEach(function (c) { byID[c.id] = c; });
    document.querySelectorAll("#causes .rep").forEach(function (rep) {
      var c = byID[rep.dataset.check];
      var old = rep.querySelector(".ladder-text");
      if (c && c.ev && c.ev.length && old) rep.replaceChild(ladder(c), old);
    });

    // Bodies, records, id lists and the passing table are drawn when
    // first opened: a full run has thousands.
    document.addEventListener("toggle", function (ev) {
      if (ev.target.open) build(ev.target);
    }, true);

    var form = document.getElementById("filters");
    form.hidden = false;
    fromHash(form);
    form.addEventListener("input", applyAndKeep);
    form.addEventListener("change", applyAndKeep);
    form.addEventListener("reset", function () { setTimeout(applyAndKeep, 0); });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });

    // A matrix cell with something to show selects its checks.
    document.querySelectorAll("#matrix td.cell").forEach(function (td) {
      if (!/\b(fail|warn|inconclusive|expected)\b/.test(td.className)) return;
      td.classList.add("clickable");
      td.title = "show these checks";
      td.addEventListener("click", function () {
        form.reset();
        form.elements.area.value = td.dataset.area;
        form.elements.version.value = td.dataset.version;
        form.elements.kx.value = td.dataset.kx;
        applyAndKeep();
        document.getElementById("findings").scrollIntoView();
      });
    });
    apply();
    // report.html#expand-all opens everything (every check, record and
    // list): for printing, searching the page, and the browser test.
    if (location.hash === "#expand-all") {
      document.querySelectorAll("details").forEach(open);
      document.querySelectorAll("details.rec").forEach(open);
    }
  }

  load().then(render).then(function () {
    document.documentElement.setAttribute("data-rendered", "ok");
  }).catch(function (e) {
    window.tlsconformError("could not draw the report: " + ((e && e.stack) || e));
  });
})();

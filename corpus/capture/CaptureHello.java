// CaptureHello makes Java's default TLS client (JSSE) send its ClientHello
// to host:port with SNI name, for the corpus capture (make corpus). Run in
// single-file source mode: java CaptureHello.java HOST PORT NAME. The
// handshake is expected to fail: the capture hangs up after the hello.
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public class CaptureHello {
    public static void main(String[] args) throws Exception {
        Socket raw = new Socket(args[0], Integer.parseInt(args[1]));
        raw.setSoTimeout(30000);
        SSLSocket s = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                .createSocket(raw, args[2], Integer.parseInt(args[1]), true);
        // JSSE sends SNI only for names with a dot; ask for it explicitly.
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(args[2])));
        s.setSSLParameters(p);
        try {
            s.startHandshake();
        } catch (Exception e) {
            System.err.println(e);
        } finally {
            s.close();
        }
    }
}

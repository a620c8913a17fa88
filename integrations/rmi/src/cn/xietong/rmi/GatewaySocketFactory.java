package cn.xietong.rmi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.server.RMIServerSocketFactory;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The gateway's listening sockets, for its registry and its remote object: bound to one address (127.0.0.1 unless
 * told otherwise), never to every interface as RMI's default factory does; with TLS, server sockets of the JVM's
 * default SSL context (the standard {@code javax.net.ssl.keyStore} properties; clients use
 * {@link javax.rmi.ssl.SslRMIClientSocketFactory} with {@code javax.net.ssl.trustStore}), TLS 1.2 and 1.3 only, and
 * client certificates required with {@code needClientAuth}.
 *
 * <p>Equal factories share one port: the registry and the remote object listen on the same one.
 */
final class GatewaySocketFactory implements RMIServerSocketFactory {
    private final InetAddress address;
    private final boolean tls;
    private final boolean needClientAuth;

    GatewaySocketFactory(InetAddress address, boolean tls, boolean needClientAuth) {
        this.address = address;
        this.tls = tls;
        this.needClientAuth = needClientAuth;
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
        if (!this.tls) return new ServerSocket(port, 50, this.address);
        SSLContext context;
        try {
            context = SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("no TLS: " + e.getMessage(), e);
        }
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(port, 50, this.address);
        socket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        socket.setNeedClientAuth(this.needClientAuth);
        return socket;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof GatewaySocketFactory)) return false;
        GatewaySocketFactory that = (GatewaySocketFactory) other;
        return this.address.equals(that.address) && this.tls == that.tls && this.needClientAuth == that.needClientAuth;
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.address, this.tls, this.needClientAuth);
    }
}

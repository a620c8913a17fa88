package cn.xietong.rmi;

import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import javax.rmi.ssl.SslRMIClientSocketFactory;

/**
 * How a business system reaches the gateway: looks its remote object up in the registry. With TLS the registry and
 * the object are reached through {@link SslRMIClientSocketFactory}, which trusts what {@code javax.net.ssl.trustStore}
 * names (and presents {@code javax.net.ssl.keyStore} when the gateway requires client certificates).
 *
 * <p>On Java 9 and later, also install a deserialisation filter in the client ({@link SerialFilters#CLIENT_PATTERN}).
 */
public final class GatewayClient {
    private GatewayClient() {}

    public static XietongNode connect(String host, int port, String name, boolean tls) throws RemoteException, NotBoundException {
        Registry registry = tls ? LocateRegistry.getRegistry(host, port, new SslRMIClientSocketFactory()) : LocateRegistry.getRegistry(host, port);
        return (XietongNode) registry.lookup(name);
    }

    public static XietongNode connect(String host, int port, String name) throws RemoteException, NotBoundException {
        return connect(host, port, name, false);
    }
}

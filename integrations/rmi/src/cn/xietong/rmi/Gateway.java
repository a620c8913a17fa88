package cn.xietong.rmi;

import java.rmi.AlreadyBoundException;
import java.rmi.NoSuchObjectException;
import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.ExportException;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.rmi.ssl.SslRMIClientSocketFactory;

/**
 * The RMI gateway (ZJ-7.2.1 e): runs beside an agency's node and offers its interface for business systems to Java
 * callers as the remote object {@link XietongNode}, in an RMI registry it creates (or one already running on this
 * machine). See integrations/rmi/README.md.
 *
 * <pre>java -cp xietong-rmi.jar cn.xietong.rmi.Gateway --node http://127.0.0.1:8410 --key-file key.txt --registry-port 1099 --name xietong</pre>
 */
public final class Gateway {
    private Gateway() {}

    // Strong references: an exported object that nothing references may be collected and unexported.
    private static Registry registry;
    private static NodeGateway exported;
    private static boolean ownRegistry;

    static synchronized void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }

    public static void main(String[] arguments) {
        GatewayOptions options;
        try {
            options = GatewayOptions.parse(arguments, System.getenv());
        } catch (GatewayOptions.Invalid e) {
            System.err.println("xietong-rmi: " + e.getMessage());
            System.err.println("（--help 列出全部参数 / --help lists every flag）");
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(GatewayOptions.USAGE);
            return;
        }
        for (String warning : options.warnings) log(warning);
        // The address remote references carry: set before anything of RMI runs.
        if (options.hostnameGiven || System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", options.hostname);
        }
        try {
            start(options);
        } catch (Failure e) {
            System.err.println("xietong-rmi: " + e.getMessage());
            System.exit(2);
        }
    }

    /** A failure to start (exit code 2), in Chinese and English. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String zh, String en) {
            super(zh + " / " + en);
        }
    }

    static void start(GatewayOptions options) throws Failure {
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        StringBuilder run = new StringBuilder();
        for (byte b : random) run.append(String.format("%02x", b & 0xff));

        NodeHttp node = new NodeHttp(options.node, options.key, NodeHttp.newClient(), Duration.ofSeconds(options.timeoutSeconds));
        checkKey(node);
        EventRelay events = new EventRelay(node, run.toString(), Gateway::log);

        GatewaySocketFactory serverSockets = new GatewaySocketFactory(options.bind, options.tls, options.tlsClientAuth);
        RMIClientSocketFactory clientSockets = options.tls ? new SslRMIClientSocketFactory() : null;
        NodeGateway gateway = new NodeGateway(node, events);
        try {
            if (options.existingRegistry) {
                registry = LocateRegistry.getRegistry("127.0.0.1", options.registryPort, clientSockets);
            } else {
                registry = LocateRegistry.createRegistry(options.registryPort, clientSockets, serverSockets);
                ownRegistry = true;
            }
            UnicastRemoteObject.exportObject(gateway, options.objectPort, clientSockets, serverSockets, SerialFilters.gateway(Gateway::log));
            exported = gateway;
        } catch (ExportException e) {
            String ports = options.registryPort + (options.objectPort != options.registryPort ? "/" + options.objectPort : "");
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new Failure("无法在 " + options.bind.getHostAddress() + " 的端口 " + ports + " 上监听（已被占用，或不是本机地址）：" + cause.getMessage(),
                "cannot listen on " + options.bind.getHostAddress() + " port " + ports + " (in use, or not an address of this machine): "
                    + cause.getMessage());
        } catch (RemoteException e) {
            throw new Failure("无法导出远程对象：" + e.getMessage(), "cannot export the remote object: " + e.getMessage());
        }
        try {
            registry.bind(options.name, gateway);
        } catch (AlreadyBoundException e) {
            throw new Failure("注册表中已有名称“" + options.name + "”：另一个网关在运行？", "the registry already has the name '" + options.name + "': another gateway runs?");
        } catch (RemoteException e) {
            throw new Failure("无法在 127.0.0.1:" + options.registryPort + " 的注册表中绑定“" + options.name + "”：" + e.getMessage(),
                "cannot bind '" + options.name + "' in the registry at 127.0.0.1:" + options.registryPort + ": " + e.getMessage());
        }
        events.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(options, events), "xietong-rmi-stop"));
        watchParent();
        try {
            // The first events of the first calls should not be missed: give the stream a moment to connect.
            if (!events.awaitConnected(5_000)) log("events: not connected yet; events come once the node's stream answers / 事件流尚未连接");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        GatewayInfo info = gateway.info();
        log("xietong-rmi gateway ready: rmi://" + options.hostname + ":" + options.registryPort + "/" + options.name + " -> " + options.node
            + " (organisation " + info.getOrganisation() + ", objects on port " + (options.objectPort == 0 ? "any" : options.objectPort)
            + (options.tls ? ", TLS" : "") + ") / 网关已就绪");
    }

    /**
     * Asks the node whether it knows the key before serving anyone: the events' path answers 426 to a known key that
     * does not ask for the WebSocket, 401 to an unknown one, and reads no data. A node that does not answer yet is
     * not an error (the calls say so until it does); a key it refuses is.
     */
    static void checkKey(NodeHttp node) throws Failure {
        try {
            NodeHttp.Answer answer = node.get("/api/v1/events");
            if (answer.status == 401) {
                throw new Failure("节点不接受该接口密钥（auth.required）：请核对 --key-file 或 " + GatewayOptions.KEY_VARIABLE,
                    "the node does not accept the API key (auth.required): check --key-file or " + GatewayOptions.KEY_VARIABLE);
            }
        } catch (XietongException e) {
            log("warning: the node at " + node.base + " does not answer yet (" + e.getCode() + "); calls fail until it does / 警告：节点尚未应答");
        }
    }

    static void stop(GatewayOptions options, EventRelay events) {
        events.stop();
        try {
            if (registry != null) registry.unbind(options.name);
        } catch (RemoteException | NotBoundException e) {
            // Already gone.
        }
        try {
            if (exported != null) UnicastRemoteObject.unexportObject(exported, true);
            if (ownRegistry && registry != null) UnicastRemoteObject.unexportObject(registry, true);
        } catch (NoSuchObjectException e) {
            // Already gone.
        }
        log("xietong-rmi gateway stopped / 网关已停止");
    }

    /**
     * Started by a test or a demo (XIETONG_PARENT_PID, as the xietong services): ends when that parent is gone, so
     * that a killed test leaves no gateway holding its ports.
     */
    static void watchParent() {
        String text = System.getenv("XIETONG_PARENT_PID");
        if (text == null) return;
        long parent;
        try {
            parent = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return;
        }
        Thread watch = new Thread(() -> {
            while (true) {
                Optional<ProcessHandle> current = ProcessHandle.current().parent();
                if (current.isEmpty() || current.get().pid() != parent) System.exit(0);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "xietong-rmi-parent");
        watch.setDaemon(true);
        watch.start();
    }
}

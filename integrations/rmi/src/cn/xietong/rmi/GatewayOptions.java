package cn.xietong.rmi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The gateway's command line, checked: every mistake is one message in Chinese and English. */
final class GatewayOptions {
    /** The environment variable holding the business system's key when no {@code --key-file} is given. */
    static final String KEY_VARIABLE = "XIETONG_API_KEY";

    static final String USAGE = String.join("\n",
        "用法 / usage: java -cp xietong-rmi.jar cn.xietong.rmi.Gateway --node URL [options]",
        "",
        "  --node URL             节点的地址 / the node's URL, e.g. http://127.0.0.1:8410",
        "  --key-file FILE        业务系统接口密钥所在文件（首行）/ file holding the business system's API key (first line);",
        "                         缺省时读取环境变量 " + KEY_VARIABLE + " / without it, the variable " + KEY_VARIABLE,
        "  --name NAME            在 RMI 注册表中的名称 / the name in the RMI registry (default: xietong)",
        "  --registry-port N      RMI 注册表端口 / the RMI registry's port (default: 1099)",
        "  --existing-registry    绑定到本机已运行的注册表，而非自建 / bind in a registry already running on this machine",
        "                         instead of creating one in this process",
        "  --object-port N        远程对象的端口 / the remote object's port (default: the registry's port when the",
        "                         gateway creates the registry, else any free port)",
        "  --bind ADDRESS         监听地址 / the address to listen on (default: 127.0.0.1, loopback only)",
        "  --hostname NAME        远程引用中给出的地址 / the address remote references give clients (default: --bind)",
        "  --tls                  以 TLS 提供 RMI（javax.net.ssl.keyStore 等系统属性）/ serve RMI over TLS (javax.net.ssl.* properties)",
        "  --tls-client-auth      要求客户端证书 / require client certificates (with --tls)",
        "  --timeout SECONDS      调用节点的超时 / timeout of calls to the node (default: 60)",
        "  --help                 显示本说明 / show this help");

    String node;
    Path keyFile;
    String key;
    String name = "xietong";
    int registryPort = 1099;
    boolean existingRegistry = false;
    int objectPort = -1;
    InetAddress bind;
    String hostname;
    boolean hostnameGiven = false;
    boolean tls = false;
    boolean tlsClientAuth = false;
    int timeoutSeconds = 60;
    boolean help = false;
    final List<String> warnings = new ArrayList<>();

    /** A mistake on the command line (exit code 2). */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String zh, String en) {
            super(zh + " / " + en);
        }
    }

    static GatewayOptions parse(String[] arguments, Map<String, String> environment) throws Invalid {
        GatewayOptions options = new GatewayOptions();
        String bind = "127.0.0.1";
        for (int i = 0; i < arguments.length; i++) {
            String flag = arguments[i];
            switch (flag) {
                case "--help":
                case "-h":
                    options.help = true;
                    return options;
                case "--existing-registry":
                    options.existingRegistry = true;
                    continue;
                case "--tls":
                    options.tls = true;
                    continue;
                case "--tls-client-auth":
                    options.tlsClientAuth = true;
                    continue;
                default:
                    break;
            }
            if (!flag.startsWith("--")) throw new Invalid("多余的参数“" + flag + "”", "unexpected argument '" + flag + "'");
            if (i + 1 >= arguments.length || arguments[i + 1].startsWith("--")) {
                if (!isValued(flag)) throw unknown(flag);
                throw new Invalid(flag + " 需要一个值", flag + " needs a value");
            }
            String value = arguments[++i];
            switch (flag) {
                case "--node": options.node = value; break;
                case "--key-file": options.keyFile = Paths.get(value); break;
                case "--name": options.name = value; break;
                case "--registry-port": options.registryPort = port(flag, value, false); break;
                case "--object-port": options.objectPort = port(flag, value, true); break;
                case "--bind": bind = value; break;
                case "--hostname": options.hostname = value; break;
                case "--timeout": options.timeoutSeconds = number(flag, value, 1, 3600); break;
                default: throw unknown(flag);
            }
        }
        if (options.node == null) throw new Invalid("缺少 --node：节点的地址，例如 http://127.0.0.1:8410", "--node is required: the node's URL, e.g. http://127.0.0.1:8410");
        options.node = checkNode(options.node);
        if (options.name.isEmpty() || !options.name.matches("[A-Za-z0-9._/-]{1,128}")) {
            throw new Invalid("--name 只能由字母、数字和 . _ / - 组成", "--name may hold letters, digits and . _ / - only");
        }
        if (options.tlsClientAuth && !options.tls) throw new Invalid("--tls-client-auth 需与 --tls 同用", "--tls-client-auth needs --tls");
        try {
            options.bind = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new Invalid("--bind：无法解析地址“" + bind + "”", "--bind: cannot resolve '" + bind + "'");
        }
        if (options.bind.isAnyLocalAddress() && options.hostname == null) {
            throw new Invalid("--bind " + bind + " 监听所有网卡，须以 --hostname 指明客户端连接的地址",
                "--bind " + bind + " listens on every interface: give --hostname, the address clients connect to");
        }
        if (!options.bind.isLoopbackAddress()) {
            options.warnings.add("警告：网关监听 " + bind + "，本机以外可以连接；请以 --tls 和防火墙保护 / warning: the gateway listens on " + bind
                + ", reachable from other machines; protect it with --tls and a firewall");
        }
        options.hostnameGiven = options.hostname != null;
        if (options.hostname == null) options.hostname = options.bind.getHostAddress();
        if (options.objectPort < 0) options.objectPort = options.existingRegistry ? 0 : options.registryPort;
        if (options.tls && System.getProperty("javax.net.ssl.keyStore") == null) {
            throw new Invalid("--tls 需要服务器证书：以 -Djavax.net.ssl.keyStore=… -Djavax.net.ssl.keyStorePassword=… 启动",
                "--tls needs the server's certificate: start with -Djavax.net.ssl.keyStore=… -Djavax.net.ssl.keyStorePassword=…");
        }
        options.key = readKey(options, environment);
        return options;
    }

    private static boolean isValued(String flag) {
        return List.of("--node", "--key-file", "--name", "--registry-port", "--object-port", "--bind", "--hostname", "--timeout").contains(flag);
    }

    private static Invalid unknown(String flag) {
        return new Invalid("未知参数 " + flag, "unknown flag " + flag);
    }

    private static int number(String flag, String value, int low, int high) throws Invalid {
        try {
            int number = Integer.parseInt(value);
            if (number >= low && number <= high) return number;
        } catch (NumberFormatException e) {
            // Below.
        }
        throw new Invalid(flag + " 应为 " + low + " 至 " + high + " 的整数，而不是“" + value + "”",
            flag + " must be a whole number from " + low + " to " + high + ", not '" + value + "'");
    }

    private static int port(String flag, String value, boolean zero) throws Invalid {
        return number(flag, value, zero ? 0 : 1, 65535);
    }

    private static String checkNode(String value) throws Invalid {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new Invalid("--node 不是有效的地址：“" + value + "”", "--node is not a valid URL: '" + value + "'");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
            throw new Invalid("--node 应为 http:// 或 https:// 地址，例如 http://127.0.0.1:8410，而不是“" + value + "”",
                "--node must be an http:// or https:// URL such as http://127.0.0.1:8410, not '" + value + "'");
        }
        if (uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
            throw new Invalid("--node 不应带查询参数、片段或用户信息", "--node must not carry a query, a fragment or user information");
        }
        String text = uri.toString();
        while (text.endsWith("/")) text = text.substring(0, text.length() - 1);
        return text;
    }

    private static String readKey(GatewayOptions options, Map<String, String> environment) throws Invalid {
        String key;
        if (options.keyFile != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(options.keyFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new Invalid("--key-file：无法读取文件 " + options.keyFile, "--key-file: cannot read " + options.keyFile);
            }
            key = lines.isEmpty() ? "" : lines.get(0).trim();
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(options.keyFile);
                if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                    options.warnings.add("警告：密钥文件 " + options.keyFile + " 其他用户可读，建议 chmod 600 / warning: the key file "
                        + options.keyFile + " is readable by other users; chmod 600 it");
                }
            } catch (IOException | UnsupportedOperationException e) {
                // Not a POSIX file system: nothing to say.
            }
            if (key.isEmpty()) throw new Invalid("--key-file：文件 " + options.keyFile + " 的首行为空", "--key-file: the first line of " + options.keyFile + " is empty");
        } else {
            key = environment.get(KEY_VARIABLE);
            if (key == null || key.trim().isEmpty()) {
                throw new Invalid("缺少业务系统的接口密钥：以 --key-file 指定文件，或设置环境变量 " + KEY_VARIABLE,
                    "the business system's API key is missing: give --key-file, or set " + KEY_VARIABLE);
            }
            key = key.trim();
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new Invalid("接口密钥含有不可用于 HTTP 头的字符", "the API key holds a character an HTTP header cannot carry");
            }
        }
        return key;
    }
}

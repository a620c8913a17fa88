package cn.xietong.rmi.example;

import cn.xietong.rmi.Attachment;
import cn.xietong.rmi.AttachmentInfo;
import cn.xietong.rmi.EventBatch;
import cn.xietong.rmi.Finding;
import cn.xietong.rmi.GatewayClient;
import cn.xietong.rmi.GatewayInfo;
import cn.xietong.rmi.InboxItem;
import cn.xietong.rmi.NodeEvent;
import cn.xietong.rmi.PackageEvent;
import cn.xietong.rmi.PackageStatus;
import cn.xietong.rmi.Receipt;
import cn.xietong.rmi.SerialFilters;
import cn.xietong.rmi.XietongException;
import cn.xietong.rmi.XietongNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.rmi.NotBoundException;
import java.rmi.RemoteException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A business system's use of the RMI gateway, one command per run: send a package file with its attachments, follow
 * it, then on the receiving side list the inbox, fetch each package and its files, and acknowledge them. Every line it
 * prints starts with a word saying what it is, for scripts (and the integration test) to read.
 *
 * <pre>
 * java -cp xietong-rmi.jar cn.xietong.rmi.example.ExampleClient [--registry HOST:PORT] [--name NAME] [--tls] COMMAND …
 *   info
 *   send PACKAGE.xml [FILE …]          send a package and its attachments
 *   status PACKAGE-ID                  its hops
 *   inbox [--after N] [--undelivered]  incoming packages
 *   fetch PACKAGE-ID DIRECTORY         the package's XML and files into DIRECTORY
 *   ack PACKAGE-ID                     mark it delivered
 *   sign PACKAGE-ID [NOTE]             sign for it (签收)
 *   return PACKAGE-ID REASON           return it (退回)
 *   receive DIRECTORY                  fetch and acknowledge every undelivered package
 *   events [--after N] [--until HOP [--package ID]] [--seconds S]   the node's events, by long poll
 * </pre>
 *
 * Exit codes: 0 done, 1 the node refused or failed ({@code error …} lines say why), 2 a usage or RMI failure.
 */
public final class ExampleClient {
    private ExampleClient() {}

    public static void main(String[] arguments) {
        // A client reads what the gateway sends back: only the gateway's values and RMI's own exceptions.
        SerialFilters.installClientFilter();
        String host = "127.0.0.1";
        int port = 1099;
        String name = "xietong";
        boolean tls = false;
        List<String> rest = new ArrayList<>(Arrays.asList(arguments));
        try {
            while (!rest.isEmpty() && rest.get(0).startsWith("--")) {
                String flag = rest.remove(0);
                if (flag.equals("--tls")) {
                    tls = true;
                } else if (flag.equals("--registry") && !rest.isEmpty()) {
                    String value = rest.remove(0);
                    int colon = value.lastIndexOf(':');
                    host = colon < 0 ? value : value.substring(0, colon);
                    if (colon >= 0) port = Integer.parseInt(value.substring(colon + 1));
                } else if (flag.equals("--name") && !rest.isEmpty()) {
                    name = rest.remove(0);
                } else {
                    throw new IllegalArgumentException(flag);
                }
            }
        } catch (IllegalArgumentException e) {
            usage("参数有误：" + e.getMessage() + " / bad argument: " + e.getMessage());
        }
        if (rest.isEmpty()) usage("缺少命令 / a command is required");
        try {
            XietongNode node = GatewayClient.connect(host, port, name, tls);
            System.exit(run(node, rest.remove(0), rest));
        } catch (XietongException e) {
            printError(e);
            System.exit(1);
        } catch (RemoteException | NotBoundException e) {
            System.out.println("rmi-error " + e);
            System.exit(2);
        } catch (IOException e) {
            System.out.println("io-error " + e);
            System.exit(2);
        } catch (InterruptedException e) {
            System.exit(2);
        }
    }

    static void usage(String problem) {
        System.err.println(problem);
        System.err.println("用法 / usage: ExampleClient [--registry HOST:PORT] [--name NAME] [--tls] "
            + "info | send PACKAGE.xml [FILE…] | status ID | inbox [--after N] [--undelivered] | fetch ID DIR | ack ID | sign ID [NOTE] | "
            + "return ID REASON | receive DIR | events [--after N] [--until HOP [--package ID]] [--seconds S]");
        System.exit(2);
    }

    static int run(XietongNode node, String command, List<String> arguments) throws IOException, InterruptedException, XietongException {
        switch (command) {
            case "info": {
                GatewayInfo info = node.info();
                System.out.println("info organisation=" + info.getOrganisation() + " node=" + info.getNodeURL() + " nodeVersion="
                    + info.getNodeVersion() + " events=" + (info.isEventsConnected() ? "connected" : "disconnected") + " lastEvent="
                    + info.getLastEventSeq() + " run=" + info.getGatewayRun());
                return 0;
            }
            case "send":
                if (arguments.isEmpty()) usage("send 需要数据包文件 / send needs the package file");
                return send(node, Paths.get(arguments.get(0)), arguments.subList(1, arguments.size()));
            case "status": {
                if (arguments.size() != 1) usage("status 需要数据包编号 / status needs the package id");
                PackageStatus status = node.packageStatus(arguments.get(0));
                System.out.println("status " + status.getPackageId() + " direction=" + status.getDirection());
                for (PackageEvent event : status.getEvents()) System.out.println("hop " + event);
                return 0;
            }
            case "inbox": {
                long after = 0;
                boolean undelivered = false;
                for (int i = 0; i < arguments.size(); i++) {
                    if (arguments.get(i).equals("--undelivered")) undelivered = true;
                    else if (arguments.get(i).equals("--after") && i + 1 < arguments.size()) after = Long.parseLong(arguments.get(++i));
                    else usage("inbox：未知参数 " + arguments.get(i) + " / unknown argument " + arguments.get(i));
                }
                for (InboxItem item : node.inbox(after, undelivered, 100)) printItem(item);
                return 0;
            }
            case "fetch": {
                if (arguments.size() != 2) usage("fetch 需要数据包编号和目录 / fetch needs the package id and a directory");
                fetch(node, arguments.get(0), Paths.get(arguments.get(1)));
                return 0;
            }
            case "ack":
                if (arguments.size() != 1) usage("ack 需要数据包编号 / ack needs the package id");
                node.acknowledge(arguments.get(0));
                System.out.println("acknowledged " + arguments.get(0));
                return 0;
            case "sign":
                if (arguments.isEmpty()) usage("sign 需要数据包编号 / sign needs the package id");
                node.signFor(arguments.get(0), arguments.size() > 1 ? arguments.get(1) : null);
                System.out.println("signed " + arguments.get(0));
                return 0;
            case "return":
                if (arguments.size() != 2) usage("return 需要数据包编号和理由 / return needs the package id and a reason");
                node.returnPackage(arguments.get(0), arguments.get(1));
                System.out.println("returned " + arguments.get(0));
                return 0;
            case "receive":
                if (arguments.size() != 1) usage("receive 需要目录 / receive needs a directory");
                return receive(node, Paths.get(arguments.get(0)));
            case "events":
                return events(node, arguments);
            default:
                usage("未知命令 " + command + " / unknown command " + command);
                return 2;
        }
    }

    /** Sends a package file and its attachments; a refusal prints its findings. */
    static int send(XietongNode node, Path file, List<String> attachmentFiles) throws IOException {
        byte[] xml = Files.readAllBytes(file);
        List<Attachment> attachments = new ArrayList<>();
        for (String path : attachmentFiles) {
            Path attachment = Paths.get(path);
            attachments.add(new Attachment(attachment.getFileName().toString(), Files.readAllBytes(attachment)));
        }
        try {
            Receipt receipt = node.sendPackage(xml, attachments);
            System.out.println("sent " + receipt.getPackageId() + " status=" + receipt.getStatus() + " case=" + receipt.getUnifiedCaseCode()
                + " repeated=" + receipt.isRepeated());
            return 0;
        } catch (XietongException e) {
            printError(e);
            return 1;
        }
    }

    static void printError(XietongException e) {
        System.out.println("error code=" + e.getCode() + " status=" + e.getHttpStatus() + " findings=" + String.join(",", codes(e.getFindings())));
        System.out.println("error-zh " + e.getMessageZh());
        System.out.println("error-en " + e.getMessageEn());
        for (Finding finding : e.getFindings()) System.out.println("finding " + finding);
    }

    static List<String> codes(List<Finding> findings) {
        List<String> codes = new ArrayList<>();
        for (Finding finding : findings) codes.add(finding.getCode());
        return codes;
    }

    static void printItem(InboxItem item) {
        List<String> files = new ArrayList<>();
        for (AttachmentInfo attachment : item.getAttachments()) files.add(attachment.getSha256());
        System.out.println("package " + item.getPackageId() + " seq=" + item.getFeedSeq() + " state=" + item.getState() + " from=" + item.getSender()
            + " flow=" + item.getFlow() + " type=" + item.getMessageType() + " case=" + item.getUnifiedCaseCode() + " sha256="
            + item.getContentSHA256() + " attachments=" + String.join(",", files));
    }

    /** Writes the package's XML as DIRECTORY/ID.xml and each file as DIRECTORY/ID/SHA256. */
    static void fetch(XietongNode node, String packageId, Path directory) throws IOException, XietongException {
        Files.createDirectories(directory.resolve(packageId));
        byte[] xml = node.fetchPackage(packageId);
        Path xmlFile = directory.resolve(packageId + ".xml");
        Files.write(xmlFile, xml);
        System.out.println("fetched " + packageId + " xml=" + xmlFile + " bytes=" + xml.length + " sha256=" + sha256(xml));
        for (InboxItem item : node.inbox(0, false, 1000)) {
            if (!item.getPackageId().equals(packageId)) continue;
            for (AttachmentInfo attachment : item.getAttachments()) {
                byte[] bytes = node.fetchAttachment(packageId, attachment.getSha256());
                Path path = directory.resolve(packageId).resolve(attachment.getSha256());
                Files.write(path, bytes);
                System.out.println("attachment " + packageId + " " + attachment.getSha256() + " " + path + " name=" + attachment.getName());
            }
        }
    }

    /** The receiving side: every package not yet acknowledged, fetched with its files, then acknowledged. */
    static int receive(XietongNode node, Path directory) throws IOException, XietongException {
        long after = 0;
        while (true) {
            List<InboxItem> items = node.inbox(after, true, 100);
            if (items.isEmpty()) return 0;
            for (InboxItem item : items) {
                printItem(item);
                fetch(node, item.getPackageId(), directory);
                node.acknowledge(item.getPackageId());
                System.out.println("acknowledged " + item.getPackageId());
                after = item.getFeedSeq();
            }
        }
    }

    /**
     * Prints the node's events; with --until, until a hop of that name comes (of the package --package names), exit 1
     * if none within --seconds.
     */
    static int events(XietongNode node, List<String> arguments) throws XietongException, RemoteException {
        long after = 0;
        String until = null;
        String packageId = null;
        long seconds = 30;
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            if (argument.equals("--after") && i + 1 < arguments.size()) after = Long.parseLong(arguments.get(++i));
            else if (argument.equals("--until") && i + 1 < arguments.size()) until = arguments.get(++i);
            else if (argument.equals("--seconds") && i + 1 < arguments.size()) seconds = Long.parseLong(arguments.get(++i));
            else if (argument.equals("--package") && i + 1 < arguments.size()) packageId = arguments.get(++i);
            else usage("events：未知参数 " + argument + " / unknown argument " + argument);
        }
        long deadline = System.currentTimeMillis() + seconds * 1000;
        String run = null;
        while (true) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) break;
            EventBatch batch = node.nextEvents(after, Math.min(left, 10_000));
            if (run != null && !run.equals(batch.getGatewayRun())) after = 0; // The gateway restarted: its numbers start again.
            run = batch.getGatewayRun();
            if (batch.getMissed() > 0) System.out.println("missed " + batch.getMissed());
            for (NodeEvent event : batch.getEvents()) {
                PackageEvent hop = event.getEvent();
                System.out.println("event seq=" + event.getSeq() + " type=" + event.getType()
                    + (hop == null ? "" : " hop=" + hop.getHop() + " package=" + hop.getPackageId()) + " zh=" + event.getTextZh());
                boolean ours = hop != null && (packageId == null || packageId.equals(hop.getPackageId()));
                if (until != null && ours && until.equals(hop.getHop())) return 0;
            }
            after = batch.getLastSeq();
            if (until == null && batch.getEvents().isEmpty()) break;
        }
        return until == null ? 0 : 1;
    }

    static String sha256(byte[] bytes) {
        try {
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("SHA-256").digest(bytes)) hex.append(String.format("%02x", b & 0xff));
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

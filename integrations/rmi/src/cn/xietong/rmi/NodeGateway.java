package cn.xietong.rmi;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The remote object: each call of {@link XietongNode} forwarded to the node's HTTP interface. */
final class NodeGateway implements XietongNode {
    static final String VERSION = "1.0";
    /** The most {@link #fetchAttachment} returns in one call. */
    static final long MAX_FETCH = 512L << 20;

    private final NodeHttp node;
    private final EventRelay events;

    NodeGateway(NodeHttp node, EventRelay events) {
        this.node = node;
        this.events = events;
    }

    @Override
    public GatewayInfo info() {
        String organisation = null;
        String version = null;
        try {
            NodeHttp.Answer health = this.node.anonymous("/healthz");
            if (health.status == 200) organisation = Json.string(Json.object(NodeHttp.json(health)), "organisation");
            NodeHttp.Answer answer = this.node.anonymous("/version");
            if (answer.status == 200) version = Json.string(Json.object(NodeHttp.json(answer)), "version");
        } catch (XietongException e) {
            // The node does not answer: the info says so by its nulls.
        }
        return new GatewayInfo(VERSION, this.events.run, this.node.base, organisation, version, this.events.isConnected(),
            this.events.lastSeq());
    }

    @Override
    public Receipt sendPackage(byte[] xml, List<Attachment> attachments) throws XietongException {
        if (xml == null || xml.length == 0) throw NodeHttp.invalidArgument("数据包内容为空", "the package is empty");
        if (attachments != null) {
            for (Attachment attachment : attachments) {
                if (attachment == null || attachment.getContent() == null) {
                    throw NodeHttp.invalidArgument("附件为空", "an attachment without content");
                }
                this.uploadAttachment(attachment.getContent());
            }
        }
        NodeHttp.Answer answer = this.node.post("/api/v1/packages", "application/xml", xml, this.transfer(xml.length));
        if (answer.status == 202 || answer.status == 200) {
            return NodeHttp.receipt(Json.object(NodeHttp.json(answer)), answer.status == 200);
        }
        throw NodeHttp.failure(answer);
    }

    @Override
    public String uploadAttachment(byte[] content) throws XietongException {
        if (content == null) throw NodeHttp.invalidArgument("附件为空", "an attachment without content");
        String sha256 = sha256(content);
        HttpRequest request = this.node.request("/api/v1/attachments", this.transfer(content.length))
            .header("Content-Type", "application/octet-stream")
            .header("Xietong-Content-SHA256", sha256)
            .POST(HttpRequest.BodyPublishers.ofByteArray(content))
            .build();
        NodeHttp.Answer answer = this.node.send(request);
        if (answer.status != 201) throw NodeHttp.failure(answer);
        return sha256;
    }

    @Override
    public UploadProgress startUpload(String sha256, long size, String name) throws XietongException {
        if (sha256 == null) throw NodeHttp.invalidArgument("缺少 SHA-256", "the SHA-256 is missing");
        String body = "{\"sha256\":" + Json.quote(sha256) + ",\"size\":" + size + (name == null ? "" : ",\"name\":" + Json.quote(name)) + "}";
        NodeHttp.Answer answer = this.node.post("/api/v1/uploads", "application/json", body.getBytes(StandardCharsets.UTF_8), this.node.timeout);
        if (answer.status == 201) return NodeHttp.upload(Json.object(NodeHttp.json(answer)));
        if (answer.status == 200) return new UploadProgress(null, sha256.toLowerCase(), size, size, true);
        throw NodeHttp.failure(answer);
    }

    @Override
    public UploadProgress appendUpload(String uploadId, long offset, byte[] chunk) throws XietongException {
        String path = "/api/v1/uploads/" + segment(uploadId, "upload");
        if (chunk == null) throw NodeHttp.invalidArgument("数据块为空", "the chunk is missing");
        HttpRequest request = this.node.request(path, this.transfer(chunk.length))
            .header("Content-Type", "application/octet-stream")
            .header("Upload-Offset", Long.toString(offset))
            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(chunk))
            .build();
        NodeHttp.Answer answer = this.node.send(request);
        if (answer.status != 204) throw NodeHttp.failure(answer);
        return this.uploadProgress(uploadId);
    }

    @Override
    public UploadProgress uploadProgress(String uploadId) throws XietongException {
        NodeHttp.Answer answer = this.node.get("/api/v1/uploads/" + segment(uploadId, "upload"));
        if (answer.status != 200) throw NodeHttp.failure(answer);
        return NodeHttp.upload(Json.object(NodeHttp.json(answer)));
    }

    @Override
    public PackageStatus packageStatus(String packageId) throws XietongException {
        NodeHttp.Answer answer = this.node.get("/api/v1/packages/" + segment(packageId, "package"));
        if (answer.status != 200) throw NodeHttp.failure(answer);
        return NodeHttp.status(Json.object(NodeHttp.json(answer)));
    }

    @Override
    public List<InboxItem> inbox(long afterSeq, boolean undeliveredOnly, int limit) throws XietongException {
        NodeHttp.Answer answer = this.node.get("/api/v1/inbox?after=" + afterSeq + "&undelivered=" + undeliveredOnly + "&limit=" + limit);
        if (answer.status != 200) throw NodeHttp.failure(answer);
        List<InboxItem> items = new ArrayList<>();
        for (Object item : Json.array(NodeHttp.json(answer))) items.add(NodeHttp.inboxItem(Json.object(item)));
        return items;
    }

    @Override
    public byte[] fetchPackage(String packageId) throws XietongException {
        NodeHttp.Answer answer = this.node.get("/api/v1/inbox/" + segment(packageId, "package"));
        if (answer.status != 200) throw NodeHttp.failure(answer);
        return answer.body();
    }

    @Override
    public byte[] fetchAttachment(String packageId, String sha256) throws XietongException {
        String path = "/api/v1/inbox/" + segment(packageId, "package") + "/attachments/" + segment(sha256, "SHA-256");
        byte[] bytes = this.node.download(path, MAX_FETCH);
        // The node checked the file against the hub's hash when it stored it; checked again here, where it leaves.
        if (!sha256(bytes).equalsIgnoreCase(sha256)) {
            throw new XietongException("gateway.bad-answer", 200, "节点返回的文件与其 SHA-256 不符", "the file the node returned does not match its SHA-256");
        }
        return bytes;
    }

    @Override
    public void acknowledge(String packageId) throws XietongException {
        this.action(packageId, "ack", null);
    }

    @Override
    public void signFor(String packageId, String note) throws XietongException {
        this.action(packageId, "sign", note);
    }

    @Override
    public void returnPackage(String packageId, String reason) throws XietongException {
        this.action(packageId, "return", reason == null ? "" : reason);
    }

    private void action(String packageId, String action, String reason) throws XietongException {
        String path = "/api/v1/inbox/" + segment(packageId, "package") + "/" + action;
        byte[] body = reason == null ? new byte[0] : ("{\"reason\":" + Json.quote(reason) + "}").getBytes(StandardCharsets.UTF_8);
        NodeHttp.Answer answer = this.node.post(path, reason == null ? null : "application/json", body, this.node.timeout);
        if (answer.status != 200) throw NodeHttp.failure(answer);
    }

    @Override
    public EventBatch nextEvents(long afterSeq, long timeoutMillis) throws XietongException {
        try {
            return this.events.next(afterSeq, Math.max(0, Math.min(timeoutMillis, 60_000)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw NodeHttp.timeout();
        }
    }

    // MARK: Helpers

    /** The time a transfer of {@code bytes} may take: the timeout, and a second more for each MiB. */
    private Duration transfer(long bytes) {
        return this.node.timeout.plusSeconds(bytes >> 20);
    }

    /** {@code value} as one path segment: unreserved characters kept, the rest percent-encoded; never empty. */
    static String segment(String value, String what) throws XietongException {
        if (value == null || value.isEmpty()) {
            throw NodeHttp.invalidArgument("缺少" + ("package".equals(what) ? "数据包编号" : what), "the " + what + " id is missing");
        }
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        String encoded = out.toString();
        // "." and ".." would name another path.
        if (encoded.equals(".") || encoded.equals("..")) return encoded.replace(".", "%2E");
        return encoded;
    }

    static String sha256(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder hex = new StringBuilder(64);
            for (byte b : digest) hex.append(String.format("%02x", b & 0xff));
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}

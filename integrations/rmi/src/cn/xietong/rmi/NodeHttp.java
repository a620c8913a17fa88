package cn.xietong.rmi;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node's HTTP interface for business systems (docs/openapi.yaml), called with the business system's key, and
 * its answers turned into the gateway's values and exceptions. The key goes into the {@code Authorization} header and
 * nowhere else: no message, log line or exception carries it.
 */
final class NodeHttp {
    /** What the node answered. */
    static final class Answer {
        final int status;
        final HttpResponse<byte[]> response;

        Answer(HttpResponse<byte[]> response) {
            this.status = response.statusCode();
            this.response = response;
        }

        byte[] body() {
            return this.response.body();
        }

        String text() {
            return new String(this.response.body(), StandardCharsets.UTF_8);
        }

        String header(String name) {
            return this.response.headers().firstValue(name).orElse(null);
        }
    }

    final String base;
    private final String key;
    final HttpClient client;
    final Duration timeout;

    NodeHttp(String base, String key, HttpClient client, Duration timeout) {
        this.base = base;
        this.key = key;
        this.client = client;
        this.timeout = timeout;
    }

    /** An HTTP/1.1 client: the node speaks HTTP/1.1 only, and a request offering HTTP/2 by upgrade closes its connection. */
    static HttpClient newClient() {
        return HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    }

    /** The {@code Authorization} header's value, for the event stream's WebSocket. */
    String authorization() {
        return "Bearer " + this.key;
    }

    HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(this.base + path)).timeout(timeout).header("Authorization", this.authorization());
    }

    /** A request without the key: {@code /healthz} and {@code /version}. */
    Answer anonymous(String path) throws XietongException {
        return this.send(HttpRequest.newBuilder(URI.create(this.base + path)).timeout(this.timeout).GET().build());
    }

    Answer get(String path) throws XietongException {
        return this.send(this.request(path, this.timeout).GET().build());
    }

    Answer post(String path, String contentType, byte[] body, Duration timeout) throws XietongException {
        HttpRequest.Builder builder = this.request(path, timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) builder.header("Content-Type", contentType);
        return this.send(builder.build());
    }

    Answer send(HttpRequest request) throws XietongException {
        try {
            return new Answer(this.client.send(request, HttpResponse.BodyHandlers.ofByteArray()));
        } catch (HttpTimeoutException e) {
            throw timeout();
        } catch (ConnectException e) {
            throw this.unreachable();
        } catch (IOException e) {
            throw this.unreachable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw timeout();
        }
    }

    /**
     * A streamed answer of at most {@code limit} bytes (an attachment), read only when the status is 200; any other
     * answer is read whole, as an error's JSON.
     */
    byte[] download(String path, long limit) throws XietongException {
        HttpRequest request = this.request(path, this.timeout.multipliedBy(10)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = this.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw timeout();
        } catch (IOException e) {
            throw this.unreachable();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw timeout();
        }
        try (InputStream in = response.body()) {
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (response.statusCode() == 200 && declared > limit) throw tooLarge(declared, limit);
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (response.statusCode() == 200 && bytes.length > limit) throw tooLarge(bytes.length, limit);
            if (response.statusCode() == 200) return bytes;
            throw failure(response.statusCode(), bytes, response.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw this.unreachable();
        }
    }

    // MARK: Errors

    XietongException unreachable() {
        return new XietongException("gateway.node-unreachable", 0, "网关无法连接节点 " + this.base + "，请确认节点已启动，稍后重试",
            "the gateway cannot reach the node at " + this.base + "; check that it runs, then retry");
    }

    static XietongException timeout() {
        return new XietongException("gateway.timeout", 0, "节点未在规定时间内应答，请稍后重试", "the node did not answer in time; retry later");
    }

    static XietongException tooLarge(long size, long limit) {
        return new XietongException("gateway.too-large", 0, "文件大小 " + size + " 字节，超过经 RMI 一次取回的上限 " + limit + " 字节；请直接经节点的 HTTP 接口下载",
            "the file of " + size + " bytes is over the " + limit + " bytes one RMI call returns; download it from the node's HTTP interface");
    }

    static XietongException invalidArgument(String zh, String en) {
        return new XietongException("gateway.invalid-argument", 0, zh, en);
    }

    /** The node's answer other than the one expected, as an exception: its error, or its receipt of a refused package. */
    static XietongException failure(Answer answer) {
        return failure(answer.status, answer.body(), answer.header("Retry-After"));
    }

    static XietongException failure(int status, byte[] body, String retryAfter) {
        Map<String, Object> object;
        try {
            object = Json.object(Json.parse(new String(body, StandardCharsets.UTF_8)));
        } catch (Json.SyntaxError e) {
            object = Map.of();
        }
        long retry = -1;
        if (retryAfter != null) {
            try {
                retry = Long.parseLong(retryAfter.trim());
            } catch (NumberFormatException e) {
                retry = -1;
            }
        }
        String code = Json.string(object, "error");
        if (code != null) {
            Map<String, Object> message = Json.object(object.get("message"));
            String zh = Json.string(message, "zh");
            String en = Json.string(message, "en");
            return new XietongException(code, status, zh == null ? code : zh, en == null ? code : en, null, null, retry);
        }
        if ("refused".equals(Json.string(object, "status"))) {
            Receipt receipt = receipt(object, false);
            return new XietongException("package.refused", status, "数据包未通过检查，被拒收；原因见各项检查结果（findings）",
                "the package was refused; its findings say why", receipt.getFindings(), receipt, retry);
        }
        return new XietongException("gateway.bad-answer", status, "节点的应答无法识别（HTTP " + status + "）",
            "the node's answer cannot be read (HTTP " + status + ")", null, null, retry);
    }

    // MARK: Values from the node's JSON

    static Finding finding(Map<String, Object> object) {
        Map<String, Object> message = Json.object(object.get("message"));
        return new Finding(Json.string(object, "code"), Json.string(object, "severity"), Json.string(object, "location"),
            (int) Json.number(object, "line", 0), Json.string(message, "zh"), Json.string(message, "en"));
    }

    static List<Finding> findings(Object value) {
        List<Finding> findings = new ArrayList<>();
        for (Object item : Json.array(value)) findings.add(finding(Json.object(item)));
        return findings;
    }

    static Receipt receipt(Map<String, Object> object, boolean repeated) {
        return new Receipt(Json.string(object, "packageId"), Json.string(object, "status"), Json.string(object, "unifiedCaseCode"),
            Json.bool(object, "codeAssigned"), Json.string(object, "receivedAt"), findings(object.get("findings")),
            Json.string(object, "statusURL"), repeated);
    }

    static PackageEvent event(Map<String, Object> object) {
        return new PackageEvent(Json.string(object, "packageId"), Json.string(object, "hop"), Json.string(object, "at"),
            Json.string(object, "organisation"), Json.string(object, "detail"), findings(object.get("findings")));
    }

    static PackageStatus status(Map<String, Object> object) {
        List<PackageEvent> events = new ArrayList<>();
        for (Object item : Json.array(object.get("events"))) events.add(event(Json.object(item)));
        Object hub = object.get("hubReceipt");
        return new PackageStatus(Json.string(object, "packageId"), Json.string(object, "direction"), events,
            hub instanceof Map ? receipt(Json.object(hub), false) : null);
    }

    static InboxItem inboxItem(Map<String, Object> object) {
        Map<String, Object> delivery = Json.object(object.get("delivery"));
        List<AttachmentInfo> attachments = new ArrayList<>();
        for (Object item : Json.array(delivery.get("attachments"))) {
            Map<String, Object> file = Json.object(item);
            attachments.add(new AttachmentInfo(Json.string(file, "sha256"), Json.number(file, "size", 0), Json.string(file, "name"),
                Json.string(file, "mediaType")));
        }
        return new InboxItem(Json.string(object, "packageId"), Json.number(object, "feedSeq", 0), Json.string(object, "state"),
            Json.string(object, "storedAt"), Json.string(object, "deliveredAt"), Json.string(delivery, "sender"),
            Json.string(delivery, "receiver"), Json.string(delivery, "flow"), Json.string(delivery, "messageType"),
            Json.string(delivery, "unifiedCaseCode"), Json.string(delivery, "agencyCaseNumber"), Json.string(delivery, "contentSHA256"),
            Json.number(delivery, "contentSize", 0), Json.string(delivery, "acceptedAt"), attachments);
    }

    static UploadProgress upload(Map<String, Object> object) {
        return new UploadProgress(Json.string(object, "uploadId"), Json.string(object, "sha256"), Json.number(object, "size", 0),
            Json.number(object, "received", 0), Json.bool(object, "completed"));
    }

    /** The JSON of a 2xx answer, or the gateway's {@code gateway.bad-answer}. */
    static Object json(Answer answer) throws XietongException {
        try {
            return Json.parse(answer.text());
        } catch (Json.SyntaxError e) {
            throw new XietongException("gateway.bad-answer", answer.status, "节点的应答不是有效的 JSON：" + e.getMessage(),
                "the node's answer is not valid JSON: " + e.getMessage());
        }
    }
}

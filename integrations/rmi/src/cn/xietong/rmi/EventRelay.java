package cn.xietong.rmi;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The node's event stream (its WebSocket, {@code GET /api/v1/events}, RFC 6455) kept by the gateway for RMI callers,
 * who read it by long poll ({@link XietongNode#nextEvents}) rather than by a callback they export: a poll needs no
 * connection from the gateway back to the caller (no port to open on the business system's side, nothing more to
 * deserialise at the gateway), a slow or vanished caller holds up nobody, and a caller that was away continues from
 * its last number.
 *
 * <p>One connection, opened when the gateway starts and again after every break (1 s, doubling to 30 s); the newest
 * {@link #CAPACITY} events are kept, numbered from 1. A break is marked by a {@code gap} event when the stream is back.
 */
final class EventRelay implements WebSocket.Listener {
    static final int CAPACITY = 10_000;
    static final int MAX_BATCH = 1_000;

    private final NodeHttp node;
    /**
     * A client of its own: the node upgrades a connection to a WebSocket only on its first request, and answers a
     * kept-alive connection of the calls' client with a redirect.
     */
    private final HttpClient client = NodeHttp.newClient();
    private final URI uri;
    private final Consumer<String> log;
    final String run;

    // Guarded by `this`.
    private final ArrayDeque<NodeEvent> events = new ArrayDeque<>();
    private long lastSeq = 0;
    private boolean connected = false;
    private boolean everConnected = false;
    private boolean stopped = false;
    private WebSocket socket;
    private CompletableFuture<Void> closed;

    // Touched by the WebSocket's listener calls, which come one at a time.
    private final StringBuilder partial = new StringBuilder();

    EventRelay(NodeHttp node, String run, Consumer<String> log) {
        this.node = node;
        this.run = run;
        this.log = log;
        String base = node.base.replaceFirst("^http", "ws");
        this.uri = URI.create(base + "/api/v1/events");
    }

    /** Starts the connection's thread. */
    void start() {
        Thread thread = new Thread(this::keepConnected, "xietong-events");
        thread.setDaemon(true);
        thread.start();
    }

    synchronized void stop() {
        this.stopped = true;
        if (this.socket != null) this.socket.abort();
        this.notifyAll();
    }

    synchronized boolean isConnected() {
        return this.connected;
    }

    synchronized long lastSeq() {
        return this.lastSeq;
    }

    /** Waits up to {@code millis} for the first connection; whether it is connected. */
    synchronized boolean awaitConnected(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!this.connected && !this.stopped) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) break;
            this.wait(left);
        }
        return this.connected;
    }

    private void keepConnected() {
        long backoff = 1_000;
        while (true) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            synchronized (this) {
                if (this.stopped) return;
                this.closed = closed;
            }
            try {
                WebSocket socket = this.client.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .header("Authorization", this.node.authorization())
                    .buildAsync(this.uri, this)
                    .join();
                synchronized (this) {
                    this.socket = socket;
                    if (this.everConnected) {
                        this.append("gap", null, "与节点的事件连接曾中断，其间的事件可能缺失；请查询相关数据包的状态",
                            "the event stream from the node was broken; events of that time may be missing: read the packages' status",
                            null);
                    }
                    this.connected = true;
                    this.everConnected = true;
                    this.notifyAll();
                }
                this.log.accept("events: connected to " + this.uri + " / 已连接节点的事件流");
                backoff = 1_000;
                closed.join();
                this.log.accept("events: the node's stream closed; reconnecting / 节点的事件流已断开，正在重连");
            } catch (RuntimeException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                String why = cause instanceof WebSocketHandshakeException
                    ? "HTTP " + ((WebSocketHandshakeException) cause).getResponse().statusCode()
                    : cause.getClass().getSimpleName();
                this.log.accept("events: cannot connect to " + this.uri + " (" + why + "); retrying in "
                    + (backoff / 1000) + " s / 无法连接节点的事件流，稍后重试");
            }
            synchronized (this) {
                this.connected = false;
                this.socket = null;
                if (this.stopped) return;
                try {
                    this.wait(backoff);
                } catch (InterruptedException e) {
                    return;
                }
            }
            backoff = Math.min(backoff * 2, 30_000);
        }
    }

    private void append(String type, PackageEvent event, String zh, String en, String json) {
        // Called holding the lock.
        this.lastSeq += 1;
        this.events.addLast(new NodeEvent(this.lastSeq, type, Instant.now().toString(), event, zh, en, json));
        while (this.events.size() > CAPACITY) this.events.removeFirst();
        this.notifyAll();
    }

    /** The events after {@code afterSeq}, waiting up to {@code millis} for one. */
    synchronized EventBatch next(long afterSeq, long millis) throws InterruptedException {
        // A number this run has not given out (from an earlier run of the gateway): from the start of this run.
        if (afterSeq > this.lastSeq || afterSeq < 0) afterSeq = 0;
        long deadline = System.currentTimeMillis() + millis;
        while (this.lastSeq <= afterSeq && !this.stopped) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) break;
            this.wait(left);
        }
        List<NodeEvent> batch = new ArrayList<>();
        long missed = 0;
        if (afterSeq < this.lastSeq) {
            long oldest = this.events.isEmpty() ? this.lastSeq + 1 : this.events.peekFirst().getSeq();
            missed = Math.max(0, oldest - afterSeq - 1);
            for (NodeEvent event : this.events) {
                if (event.getSeq() <= afterSeq) continue;
                if (batch.size() == MAX_BATCH) break;
                batch.add(event);
            }
        }
        // After the last event returned; with none, after the newest.
        long last = batch.isEmpty() ? this.lastSeq : batch.get(batch.size() - 1).getSeq();
        return new EventBatch(this.run, batch, last, missed, this.connected);
    }

    // MARK: WebSocket.Listener

    @Override
    public void onOpen(WebSocket webSocket) {
        this.partial.setLength(0);
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        this.partial.append(data);
        if (last) {
            String text = this.partial.toString();
            this.partial.setLength(0);
            this.receive(text);
        }
        webSocket.request(1);
        return null;
    }

    private void receive(String text) {
        Map<String, Object> object;
        try {
            object = Json.object(Json.parse(text));
        } catch (Json.SyntaxError e) {
            this.log.accept("events: a message that is not JSON was skipped / 跳过了一条不是 JSON 的事件消息");
            return;
        }
        String type = Json.string(object, "type");
        PackageEvent event = null;
        Map<String, Object> words = Map.of();
        if ("packageEvent".equals(type)) {
            event = NodeHttp.event(Json.object(object.get("event")));
            words = Json.object(object.get("hopName"));
        } else if ("deadlineReminder".equals(type)) {
            words = Json.object(object.get("text"));
        }
        synchronized (this) {
            this.append(type == null ? "unknown" : type, event, Json.string(words, "zh"), Json.string(words, "en"), text);
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        this.ended();
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        this.ended();
    }

    private void ended() {
        CompletableFuture<Void> closed;
        synchronized (this) {
            closed = this.closed;
        }
        if (closed != null) closed.complete(null);
    }
}

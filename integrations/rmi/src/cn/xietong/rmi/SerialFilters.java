package cn.xietong.rmi;

import java.io.ObjectInputFilter;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the gateway deserialises, and what its clients should: allow-lists, everything else rejected (no gadget
 * chains through RMI). The gateway exports its remote object with {@link #gateway}, so the arguments of every call
 * are read through it; the registry and RMI's distributed garbage collector keep the JDK's own filters
 * ({@code sun.rmi.registry.registryFilter}, {@code sun.rmi.transport.dgcFilter}), which allow only what they need.
 */
public final class SerialFilters {
    private SerialFilters() {}

    /** The largest array a call may carry: one attachment of 64 MiB (the node's limit for a file in one request). */
    public static final long MAX_ARRAY = 64L << 20;
    /** The most a call's arguments may add up to. */
    public static final long MAX_BYTES = 512L << 20;
    public static final long MAX_DEPTH = 10;
    public static final long MAX_REFERENCES = 100_000;

    /**
     * The classes a call's arguments may hold: strings and byte arrays, {@link Attachment}, and the lists a caller
     * naturally builds (ArrayList, LinkedList, Arrays.asList, List.of, Collections' empty, singleton and unmodifiable
     * lists). No map, set or queue: those run their elements' hashCode, equals or compareTo while they are read.
     * Arrays are judged by their element type; arrays of primitives are allowed.
     */
    static final Set<String> GATEWAY_CLASSES = Collections.unmodifiableSet(new HashSet<>(Arrays.asList(
        "java.lang.String",
        "java.lang.Object", // Object[], inside ArrayList and List.of: each element is judged again
        "java.lang.Number",
        "java.lang.Long",
        "java.lang.Integer",
        "java.lang.Boolean",
        "java.util.ArrayList",
        "java.util.LinkedList",
        "java.util.Arrays$ArrayList",
        "java.util.CollSer", // List.of: written as a CollSer, read back (and judged again) as one of these two
        "java.util.ImmutableCollections$List12",
        "java.util.ImmutableCollections$ListN",
        "java.util.Collections$EmptyList",
        "java.util.Collections$SingletonList",
        "java.util.Collections$UnmodifiableCollection",
        "java.util.Collections$UnmodifiableList",
        "java.util.Collections$UnmodifiableRandomAccessList",
        Attachment.class.getName()
    )));

    /**
     * The filter of the gateway's remote object: {@link #GATEWAY_CLASSES} within the limits above; everything else is
     * rejected, and the rejection reported to {@code log} (the class name only).
     */
    public static ObjectInputFilter gateway(Consumer<String> log) {
        return info -> {
            if (info.depth() > MAX_DEPTH || info.references() > MAX_REFERENCES || info.streamBytes() > MAX_BYTES) {
                log.accept("serial filter: a call exceeded the limits (depth " + info.depth() + ", references " + info.references() + ", bytes "
                    + info.streamBytes() + ") / 调用超出反序列化限制");
                return ObjectInputFilter.Status.REJECTED;
            }
            if (info.arrayLength() > MAX_ARRAY) {
                log.accept("serial filter: an array of " + info.arrayLength() + " elements / 数组过大");
                return ObjectInputFilter.Status.REJECTED;
            }
            Class<?> type = info.serialClass();
            if (type == null) return ObjectInputFilter.Status.UNDECIDED;
            Class<?> element = type;
            while (element.isArray()) element = element.getComponentType();
            if (element.isPrimitive() || GATEWAY_CLASSES.contains(element.getName())) return ObjectInputFilter.Status.ALLOWED;
            log.accept("serial filter: rejected " + type.getName() + " / 序列化过滤器拒绝了类 " + type.getName());
            return ObjectInputFilter.Status.REJECTED;
        };
    }

    /**
     * A filter pattern (the syntax of {@code jdk.serialFilter}) for a client of the gateway: the gateway's value
     * classes and exceptions, the JDK's exceptions that carry RMI's own failures, the remote reference the registry
     * hands out, and nothing else. Install it with {@link #installClientFilter()}, or add it to the client's own
     * {@code -Djdk.serialFilter=…}.
     */
    public static final String CLIENT_PATTERN = String.join(";",
        "maxdepth=20", "maxrefs=100000", "maxarray=" + (512L << 20),
        // The gateway's values and its exception.
        "cn.xietong.rmi.Receipt", "cn.xietong.rmi.Finding", "cn.xietong.rmi.PackageEvent", "cn.xietong.rmi.PackageStatus",
        "cn.xietong.rmi.InboxItem", "cn.xietong.rmi.AttachmentInfo", "cn.xietong.rmi.NodeEvent", "cn.xietong.rmi.EventBatch",
        "cn.xietong.rmi.UploadProgress", "cn.xietong.rmi.GatewayInfo", "cn.xietong.rmi.Attachment", "cn.xietong.rmi.XietongException",
        // What they are made of.
        "java.lang.String", "java.lang.Number", "java.lang.Long", "java.lang.Integer", "java.lang.Boolean",
        // ArrayList checks the Object[] it will fill; an Object itself is not serialisable, so this admits no object.
        "java.lang.Object", "java.util.ArrayList", "java.util.Collections$EmptyList",
        // Exceptions: the gateway's, and RMI's own failures with their causes (a filter's rejection is an
        // InvalidClassException inside an UnmarshalException inside a ServerException).
        "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.StackTraceElement",
        "java.lang.ReflectiveOperationException", "java.lang.ClassNotFoundException",
        "java.io.IOException", "java.io.ObjectStreamException", "java.io.InvalidClassException", "java.io.InvalidObjectException",
        "java.rmi.*", "java.rmi.server.*",
        // The remote reference: a dynamic proxy of the remote interface (each of a proxy's interfaces is checked) over
        // RMI's reference, with TLS its client socket factory.
        "cn.xietong.rmi.XietongNode", "java.lang.reflect.Proxy", "jdk.proxy*", "com.sun.proxy.$Proxy*", "sun.rmi.server.UnicastRef", "sun.rmi.server.UnicastRef2",
        "javax.rmi.ssl.SslRMIClientSocketFactory",
        "!*");

    /** Installs {@link #CLIENT_PATTERN} as this JVM's filter, unless the JVM has one ({@code jdk.serialFilter}). */
    public static void installClientFilter() {
        if (ObjectInputFilter.Config.getSerialFilter() == null) {
            ObjectInputFilter.Config.setSerialFilter(ObjectInputFilter.Config.createFilter(CLIENT_PATTERN));
        }
    }
}

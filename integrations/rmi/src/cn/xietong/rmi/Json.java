package cn.xietong.rmi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the gateway needs, with the JDK alone: the node's answers read strictly (RFC 8259) into
 * {@code Map<String, Object>}, {@code List<Object>}, {@code String}, {@code Long} or {@code Double}, {@code Boolean}
 * and {@code null}; and strings written for the few request bodies it sends.
 */
final class Json {
    private final String text;
    private int at;
    private int depth;

    private Json(String text) {
        this.text = text;
    }

    /** Thrown for text that is not JSON. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    static Object parse(String text) throws SyntaxError {
        Json reader = new Json(text);
        reader.skipSpace();
        Object value = reader.value();
        reader.skipSpace();
        if (reader.at != text.length()) throw reader.error("unexpected text after the value");
        return value;
    }

    /** A JSON string literal of {@code value}, quoted and escaped. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private SyntaxError error(String what) {
        return new SyntaxError(what + " at offset " + this.at);
    }

    private void skipSpace() {
        while (this.at < this.text.length()) {
            char c = this.text.charAt(this.at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            this.at++;
        }
    }

    private Object value() throws SyntaxError {
        if (this.at >= this.text.length()) throw this.error("unexpected end");
        char c = this.text.charAt(this.at);
        switch (c) {
            case '{': return this.object();
            case '[': return this.array();
            case '"': return this.string();
            case 't': return this.literal("true", Boolean.TRUE);
            case 'f': return this.literal("false", Boolean.FALSE);
            case 'n': return this.literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return this.number();
                throw this.error("unexpected character '" + c + "'");
        }
    }

    private Object literal(String word, Object value) throws SyntaxError {
        if (!this.text.startsWith(word, this.at)) throw this.error("expected " + word);
        this.at += word.length();
        return value;
    }

    private void enter() throws SyntaxError {
        if (++this.depth > 64) throw this.error("nested too deeply");
    }

    private Map<String, Object> object() throws SyntaxError {
        this.enter();
        Map<String, Object> map = new LinkedHashMap<>();
        this.at++;
        this.skipSpace();
        if (this.peek() == '}') {
            this.at++;
            this.depth--;
            return map;
        }
        while (true) {
            this.skipSpace();
            if (this.peek() != '"') throw this.error("expected a field name");
            String key = this.string();
            this.skipSpace();
            if (this.peek() != ':') throw this.error("expected ':'");
            this.at++;
            this.skipSpace();
            map.put(key, this.value());
            this.skipSpace();
            char c = this.peek();
            this.at++;
            if (c == '}') break;
            if (c != ',') throw this.error("expected ',' or '}'");
        }
        this.depth--;
        return map;
    }

    private List<Object> array() throws SyntaxError {
        this.enter();
        List<Object> list = new ArrayList<>();
        this.at++;
        this.skipSpace();
        if (this.peek() == ']') {
            this.at++;
            this.depth--;
            return list;
        }
        while (true) {
            this.skipSpace();
            list.add(this.value());
            this.skipSpace();
            char c = this.peek();
            this.at++;
            if (c == ']') break;
            if (c != ',') throw this.error("expected ',' or ']'");
        }
        this.depth--;
        return list;
    }

    private char peek() throws SyntaxError {
        if (this.at >= this.text.length()) throw this.error("unexpected end");
        return this.text.charAt(this.at);
    }

    private String string() throws SyntaxError {
        this.at++;
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = this.peek();
            this.at++;
            if (c == '"') return out.toString();
            if (c < 0x20) throw this.error("control character in a string");
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escape = this.peek();
            this.at++;
            switch (escape) {
                case '"': out.append('"'); break;
                case '\\': out.append('\\'); break;
                case '/': out.append('/'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u':
                    if (this.at + 4 > this.text.length()) throw this.error("short \\u escape");
                    try {
                        out.append((char) Integer.parseInt(this.text.substring(this.at, this.at + 4), 16));
                    } catch (NumberFormatException e) {
                        throw this.error("bad \\u escape");
                    }
                    this.at += 4;
                    break;
                default: throw this.error("bad escape");
            }
        }
    }

    private Object number() throws SyntaxError {
        int start = this.at;
        if (this.peekOr('-')) this.at++;
        if (this.peekOr('0')) {
            this.at++;
        } else {
            if (!this.digitAhead()) throw this.error("expected a digit");
            while (this.digitAhead()) this.at++;
        }
        boolean integer = true;
        if (this.peekOr('.')) {
            integer = false;
            this.at++;
            if (!this.digitAhead()) throw this.error("expected a digit");
            while (this.digitAhead()) this.at++;
        }
        if (this.peekOr('e') || this.peekOr('E')) {
            integer = false;
            this.at++;
            if (this.peekOr('+') || this.peekOr('-')) this.at++;
            if (!this.digitAhead()) throw this.error("expected a digit");
            while (this.digitAhead()) this.at++;
        }
        String literal = this.text.substring(start, this.at);
        if (integer) {
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                // Beyond a long: kept as a double.
            }
        }
        return Double.parseDouble(literal);
    }

    private boolean peekOr(char c) {
        return this.at < this.text.length() && this.text.charAt(this.at) == c;
    }

    private boolean digitAhead() {
        return this.at < this.text.length() && Character.isDigit(this.text.charAt(this.at)) && this.text.charAt(this.at) < 128;
    }

    // Typed reads of a parsed object, for the value classes.

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Object> array(Object value) {
        return value instanceof List ? (List<Object>) value : List.of();
    }

    static String string(Map<String, Object> object, String key) {
        Object value = object.get(key);
        return value instanceof String ? (String) value : null;
    }

    static long number(Map<String, Object> object, String key, long otherwise) {
        Object value = object.get(key);
        if (value instanceof Long) return (Long) value;
        if (value instanceof Double) return ((Double) value).longValue();
        if (value instanceof String) {
            try {
                return Long.parseLong((String) value);
            } catch (NumberFormatException e) {
                return otherwise;
            }
        }
        return otherwise;
    }

    static boolean bool(Map<String, Object> object, String key) {
        return Boolean.TRUE.equals(object.get(key));
    }
}

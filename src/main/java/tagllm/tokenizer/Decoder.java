package tagllm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns token strings back into text. Like tokenizers' decode_chain, each decoder maps a list of
 * strings to a list of strings (some per token, Fuse joins them); the result is their concatenation.
 */
sealed interface Decoder {
    List<String> decodeChain(List<String> tokens);

    /** Replaces every match of a literal or a regex in each token (e.g. "▁" → " "). */
    record Replace(Pattern pattern, String content) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            String replacement = Matcher.quoteReplacement(content);
            for (String t : tokens) out.add(pattern.matcher(t).replaceAll(replacement));
            return out;
        }
    }

    /** Turns runs of {@code <0xNN>} pieces into the text their bytes spell (U+FFFD per byte when invalid). */
    record ByteFallback() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] bytes = new byte[16];
            int n = 0;
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    if (n == bytes.length) bytes = java.util.Arrays.copyOf(bytes, n * 2);
                    bytes[n++] = (byte) b;
                    continue;
                }
                flush(bytes, n, out);
                n = 0;
                out.add(t);
            }
            flush(bytes, n, out);
            return out;
        }

        private static void flush(byte[] bytes, int n, List<String> out) {
            if (n == 0) return;
            String s = Utf8.decodeStrict(bytes, n);
            if (s != null) out.add(s);
            else for (int i = 0; i < n; i++) out.add(String.valueOf(Utf8.REPLACEMENT));
        }

        /** The byte of a {@code <0xNN>} piece, or -1. */
        static int byteOf(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') return -1;
            // Rust's u8::from_str_radix: ASCII hex digits, and a leading '+' is accepted
            int hi = t.charAt(3) == '+' ? 0 : hexDigit(t.charAt(3));
            int lo = hexDigit(t.charAt(4));
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }

        private static int hexDigit(char c) {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }
    }

    /** Joins all tokens into one string. */
    record Fuse() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(1);
            out.add(String.join("", tokens));
            return out;
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < start && from < cps.length && cps[from] == content) from++;
                int to = cps.length;
                for (int i = 0; i < stop && to > from && cps[to - 1] == content; i++) to--;
                out.add(new String(cps, from, to - from));
            }
            return out;
        }
    }

    /** Metaspace: the replacement character becomes a space, except in the first token when a prefix was added. */
    record Metaspace(int replacement, boolean prefixAdded) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                StringBuilder sb = new StringBuilder(tokens.get(i).length());
                boolean first = i == 0;
                tokens.get(i).codePoints().forEach(cp -> {
                    if (cp != replacement) sb.appendCodePoint(cp);
                    else if (!(first && prefixAdded)) sb.append(' ');
                });
                out.add(sb.toString());
            }
            return out;
        }
    }

    /**
     * Byte-level: every character of the tokens back to its byte, the whole decoded as UTF-8 (lossy).
     * A token with a character outside the alphabet (an added token like "  ") contributes its own UTF-8.
     */
    record ByteLevel() implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (String t : tokens) {
                byte[] own = null;
                byte[] mapped = new byte[t.length()];
                for (int i = 0; i < t.length(); i++) {
                    int b = ByteLevelAlphabet.byteOf(t.charAt(i));
                    if (b < 0) {
                        own = t.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        break;
                    }
                    mapped[i] = (byte) b;
                }
                bytes.writeBytes(own != null ? own : mapped);
            }
            byte[] all = bytes.toByteArray();
            List<String> out = new ArrayList<>(1);
            out.add(Utf8.decodeLossy(all, all.length));
            return out;
        }
    }

    /** The end-of-word suffix decoder of classic BPE: the suffix becomes a space, except after the last token. */
    record BpeSuffix(String suffix) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            return out;
        }
    }

    record Sequence(List<Decoder> decoders) implements Decoder {
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder d : decoders) tokens = d.decodeChain(tokens);
            return tokens;
        }
    }
}

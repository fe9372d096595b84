package tagllm.util;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * File errors in words. The JDK's exceptions for the commonest failures carry only the path ("error: /tmp/x" said
 * nothing about why), so the kind of exception is turned into the reason here.
 */
public final class FileErrors {
    private FileErrors() {}

    /** Why the operation failed, without the path: the system's reason, or the exception's kind in words. */
    public static String why(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        if (e instanceof FileAlreadyExistsException) return "already exists";
        if (e instanceof NoSuchFileException) return "no such file or folder";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NotDirectoryException) return "not a folder";
        if (e instanceof DirectoryNotEmptyException) return "folder not empty";
        if (e instanceof FileSystemException) return e.getClass().getSimpleName().replace("Exception", "");
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** A one-line message for any failure: a file error as "PATH: reason" (and the other path it names), else the message. */
    public static String describe(Throwable e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return f.getFile() + ": " + why(f) + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "");
        }
        return visible(e.getMessage() != null ? e.getMessage() : e.toString());
    }

    /**
     * The text with its control characters written as escapes (a line break as backslash-n, ESC as backslash-u001B): a message quotes values
     * read from files (a tag name, a cell, a token), and one holding a line break or a terminal escape sequence would
     * otherwise break the one error line or drive the user's terminal.
     */
    public static String visible(String s) {
        if (s.chars().noneMatch(Character::isISOControl)) return s;
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    /** Creates dir and its parents; a file in the way, or no permission, is said in words naming dir. */
    public static void createFolder(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            // a file where a folder of the path should be: the JDK says "already exists" (the path's last name) or
            // "Not a directory" (an earlier one) and names the folder it tried to create rather than the file in the way
            Path blocker = fileInPlaceOfFolder(dir);
            if (blocker != null) {
                throw new IOException("cannot create the folder " + dir + ": "
                        + (blocker.equals(dir) ? "a file of that name is in the way" : blocker + " is a file, not a folder"), e);
            }
            throw new IOException("cannot create the folder " + dir + ": " + describe(e), e);
        }
    }

    /** The first of dir and the folders above it (outermost first) that exists but is no folder, or null. */
    private static Path fileInPlaceOfFolder(Path dir) {
        java.util.ArrayDeque<Path> outermostFirst = new java.util.ArrayDeque<>();
        for (Path p = dir; p != null; p = p.getParent()) outermostFirst.push(p);
        for (Path p : outermostFirst) {
            if (Files.exists(p) && !Files.isDirectory(p)) return p;
        }
        return null;
    }
}

package tagllm.config;

/** A configuration (experiment file, task definition) that is wrong; the message names file and field. */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) { super(message); }
}

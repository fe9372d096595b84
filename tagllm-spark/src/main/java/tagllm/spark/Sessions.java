package tagllm.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Starts the SparkSession the CLI and the Spark trainer use. Embedded by default: local[*] needs nothing installed.
 * local-cluster[n,cores,mb] (separate executor JVMs on this machine) works from the Maven jars alone: Spark's worker
 * builds the executor command from SPARK_HOME/jars, which may be empty, plus spark.executor.extraClassPath, which is
 * set here to this JVM's class path. spark://, yarn and k8s masters are left as Spark's own settings make them
 * (spark-submit ships the jars there).
 */
public final class Sessions {
    private Sessions() {}

    public static SparkSession start(String master, String app, Map<String, String> conf) {
        SparkConf c = new SparkConf().setAppName(app);
        if (master != null) c.setMaster(master);
        c.setIfMissing("spark.ui.enabled", "false");
        conf.forEach(c::set);
        String m = c.get("spark.master", "local[*]");
        if (m.startsWith("local-cluster")) {
            String home = System.getenv("SPARK_HOME");
            if (home == null || !Files.isDirectory(Path.of(home, "jars"))) {
                throw new IllegalArgumentException("master " + m + " starts executor JVMs through Spark's worker, which needs SPARK_HOME "
                        + "with a jars/ folder (it may be empty: the executors get this JVM's class path); ./tagllm sets "
                        + "SPARK_HOME=tagllm-spark/target/spark-home" + (home == null ? "" : " (SPARK_HOME is " + home + ")"));
            }
            c.setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"));
            // the worker's command builder asks for the Scala version of a Spark build tree unless told
            c.setIfMissing("spark.executorEnv.SPARK_SCALA_VERSION", scala.util.Properties.versionNumberString().replaceAll("^(\\d+\\.\\d+).*", "$1"));
            // the engine's worker pool takes this many threads per executor: as many as the executor has cores
            String cores = m.replaceAll("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*", "$1");
            String opts = c.get("spark.executor.extraJavaOptions", "");
            if (!opts.contains("-Dtagllm.threads=")) c.set("spark.executor.extraJavaOptions", (opts + " -Dtagllm.threads=" + cores).strip());
        }
        return SparkSession.builder().config(c).getOrCreate();
    }
}

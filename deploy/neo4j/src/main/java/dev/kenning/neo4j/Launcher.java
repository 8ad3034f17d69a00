package dev.kenning.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.cli.AdminTool;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.server.CommunityBootstrapper;

/**
 * Starts a Neo4j Community server for Kenning's development and tests.
 *
 * <p>Usage: {@code Launcher HOME BOLT_PORT HTTP_PORT} with the password in the
 * environment variable {@code NEO4J_PASSWORD}. Everything lives under HOME
 * (conf/, data/, logs/); Bolt and HTTP (with Neo4j Browser, when its jar is on
 * the class path) listen on 127.0.0.1 only. SIGTERM stops the server cleanly.
 * The first start sets the initial password; later starts keep it.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || System.getenv("NEO4J_PASSWORD") == null) {
            System.err.println("usage: NEO4J_PASSWORD=... Launcher HOME BOLT_PORT HTTP_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = home.resolve("conf");
        Files.createDirectories(conf);
        Files.write(conf.resolve("neo4j.conf"), settings(home, args[1], args[2]));

        // The password is written to data/dbms/auth.ini by Neo4j's own admin
        // command; it refuses to run (exit 1) once a password is set, which is fine.
        if (!Files.exists(home.resolve("data/dbms/auth.ini"))) {
            int code = AdminTool.execute(
                    new ExecutionContext(home, conf),
                    "dbms", "set-initial-password", System.getenv("NEO4J_PASSWORD"));
            if (code != 0) {
                System.exit(code);
            }
        }

        CommunityBootstrapper server = new CommunityBootstrapper();
        int code = server.start(home, conf.resolve("neo4j.conf"), Map.of(), false, false);
        if (code != 0) {
            System.exit(code);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stopped.countDown();
        }, "neo4j-stop"));
        System.out.println("neo4j ready bolt://127.0.0.1:" + args[1] + " http://127.0.0.1:" + args[2]);
        stopped.await();
    }

    private static List<String> settings(Path home, String bolt, String http) throws IOException {
        return List.of(
                "server.directories.data=" + home.resolve("data"),
                "server.directories.logs=" + home.resolve("logs"),
                "server.directories.run=" + home.resolve("run"),
                "server.directories.import=" + home.resolve("import"),
                "server.directories.plugins=" + home.resolve("plugins"),
                "server.default_listen_address=127.0.0.1",
                "server.default_advertised_address=127.0.0.1",
                "server.bolt.enabled=true",
                "server.bolt.listen_address=127.0.0.1:" + bolt,
                "server.bolt.advertised_address=127.0.0.1:" + bolt,
                "server.http.enabled=true",
                "server.http.listen_address=127.0.0.1:" + http,
                "server.http.advertised_address=127.0.0.1:" + http,
                "server.https.enabled=false",
                "dbms.security.auth_enabled=true",
                // Browser fetches :play guides and :style sheets only from these (5.26 still
                // names the setting "whitelist")
                // hosts; Kenning serves its own at 127.0.0.1 (neo4j/ in the repo).
                "browser.remote_content_hostname_whitelist=guides.neo4j.com,localhost,127.0.0.1",
                // A test machine has 2 cores and other processes: keep memory small.
                "server.memory.pagecache.size=256m",
                "db.tx_log.rotation.retention_policy=2 files",
                "dbms.usage_report.enabled=false");
    }
}

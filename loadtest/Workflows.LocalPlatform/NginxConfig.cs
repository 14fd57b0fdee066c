namespace Workflows.LocalPlatform;

/// <summary>
/// nginx in front of the API processes with the source document's settings: least_conn, keepalive to the upstreams,
/// proxy timeouts, gzip, /health passed to the service's liveness endpoint. Open-source nginx has no active health
/// checks (that is nginx Plus); a process that fails is taken out passively (max_fails / fail_timeout) and idempotent
/// requests (GET) are retried on the next server; a POST that failed is not retried, so its client sees the error.
/// </summary>
public static class NginxConfig
{
    public static string Write(LocalSettings s)
    {
        var nginxDir = Path.Combine(s.StateDirectory, "nginx");
        foreach (var d in new[] { nginxDir, Path.Combine(nginxDir, "temp") }) Directory.CreateDirectory(d);
        var servers = string.Join("\n", Enumerable.Range(0, s.Apis).Select(i => $"        server 127.0.0.1:{s.ApiBasePort + i} max_fails=1 fail_timeout=5s;"));
        var user = Environment.UserName == "root" ? "user root;\n" : "";
        var conf = $$"""
            {{user}}worker_processes 1;
            pid {{nginxDir}}/nginx.pid;
            error_log {{s.LogDirectory}}/nginx-error.log warn;
            events { worker_connections 4096; }
            http {
                # Where a slow answer spent its time: in nginx (request_time) or in the API (upstream_response_time).
                log_format timed '$remote_addr [$time_local] "$request" $status $body_bytes_sent rt=$request_time urt=$upstream_response_time ua="$upstream_addr"';
                access_log {{s.LogDirectory}}/nginx-access.log timed buffer=64k flush=2s;
                client_body_temp_path {{nginxDir}}/temp/body;
                proxy_temp_path {{nginxDir}}/temp/proxy;
                fastcgi_temp_path {{nginxDir}}/temp/fastcgi;
                uwsgi_temp_path {{nginxDir}}/temp/uwsgi;
                scgi_temp_path {{nginxDir}}/temp/scgi;
                client_max_body_size 2m;

                gzip on;
                gzip_types application/json application/problem+json text/plain text/css application/javascript;
                gzip_min_length 1024;

                upstream workflows_api {
                    least_conn;
            {{servers}}
                    keepalive 64;
                }

                server {
                    listen 127.0.0.1:{{s.NginxPort}};

                    location / {
                        proxy_pass http://workflows_api;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_set_header X-Real-IP $remote_addr;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_connect_timeout 5s;
                        proxy_send_timeout 60s;
                        proxy_read_timeout 60s;
                        # A refused or reset connection (a killed API process) moves an idempotent request to the next server.
                        proxy_next_upstream error timeout http_502 http_503;
                        proxy_next_upstream_tries 3;
                    }

                    location = /health {
                        proxy_pass http://workflows_api/api/health;
                        access_log off;
                    }
                }
            }
            """;
        var path = Path.Combine(nginxDir, "nginx.conf");
        File.WriteAllText(path, conf);
        return path;
    }
}

#!/usr/bin/env python3
"""A loopback HTTP server that misbehaves on purpose, for the debuginfod client's failure
paths. The first path component picks the failure:
  /404/buildid/ID/debuginfo    404 Not Found
  /slow/buildid/ID/debuginfo   accepts, then sends nothing for a minute
  /wrong/buildid/ID/debuginfo  200 with the bytes of WRONG_FILE (another build-id)
  /trunc/buildid/ID/debuginfo  200 with Content-Length of RIGHT_FILE and half its bytes
  stub.py PORT_FILE RIGHT_FILE WRONG_FILE: binds a free loopback port and writes it to
  PORT_FILE, then serves until killed."""
import http.server
import socketserver
import sys
import time

port_file, right, wrong = sys.argv[1:4]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        mode = self.path.strip("/").split("/")[0]
        if mode == "slow":
            time.sleep(60)
            return
        if mode == "wrong":
            body = open(wrong, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if mode == "trunc":
            body = open(right, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_error(404)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
srv.serve_forever()

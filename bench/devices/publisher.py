"""A lean MQTT 3.1.1 publisher for the benchmark's simulated devices.

The devices are the load generator, not the system measured: on a two-core machine a paho client
publishing 6,000 messages per second takes most of a core away from the broker, the ingestion
workers and PostgreSQL. This one writes QoS 1 PUBLISH packets straight to the socket and counts the
broker's PUBACKs in a thread, a few microseconds a message (as dedicated MQTT load generators do).
It speaks only what the benchmark needs: CONNECT (clean session, optional user name and password),
PUBLISH at QoS 1, PUBACK, DISCONNECT.
"""

import socket
import struct
import threading

PUBACK_SIZE = 4  # 0x40, remaining length 2, packet id


def _remaining_length(length: int) -> bytes:
    encoded = bytearray()
    while True:
        length, digit = divmod(length, 128)
        encoded.append(digit | (0x80 if length else 0))
        if not length:
            return bytes(encoded)


def _string(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("!H", len(raw)) + raw


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the broker closed the connection")
        data += chunk
    return bytes(data)


class RawPublisher:
    def __init__(self, *, host: str, port: int, client_id: str, username: str = "", password: str = ""):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        flags = 0x02  # clean session
        payload = _string(client_id)
        if username:
            flags |= 0x80
            payload += _string(username)
            if password:
                flags |= 0x40
                payload += _string(password)
        variable = _string("MQTT") + bytes([4, flags]) + struct.pack("!H", 60)
        body = variable + payload
        self.sock.sendall(b"\x10" + _remaining_length(len(body)) + body)
        connack = _recv_exactly(self.sock, 4)
        if connack[0] != 0x20 or connack[3] != 0:
            raise ConnectionError(f"the broker refused the connection (CONNACK {connack.hex()})")
        self.sock.settimeout(None)  # the reader waits for acknowledgements as long as it takes
        self.sent = 0
        self.acked = 0
        self._acks_changed = threading.Condition()
        self._reader = threading.Thread(target=self._read_acks, daemon=True)
        self._reader.start()

    def _read_acks(self) -> None:
        pending = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            pending += chunk
            complete, rest = divmod(len(pending), PUBACK_SIZE)
            pending = pending[complete * PUBACK_SIZE :] if rest else b""
            with self._acks_changed:
                self.acked += complete
                self._acks_changed.notify_all()

    def publish(self, topic: str, payload: bytes) -> None:
        """One QoS 1 PUBLISH; packet ids cycle through 1..65535."""
        self.sent += 1
        packet_id = (self.sent - 1) % 65535 + 1
        body = _string(topic) + struct.pack("!H", packet_id) + payload
        self.sock.sendall(b"\x32" + _remaining_length(len(body)) + body)

    def wait_for_acks(self, timeout: float) -> bool:
        """True once the broker has acknowledged every message published."""
        with self._acks_changed:
            return self._acks_changed.wait_for(lambda: self.acked >= self.sent, timeout=timeout)

    def close(self) -> None:
        try:
            self.sock.sendall(b"\xe0\x00")
        finally:
            self.sock.close()

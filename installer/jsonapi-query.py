#!/usr/bin/env python3
"""Send one request to wardend's JSON API (WebSocket) and print the answer's JSON.

    jsonapi-query.py ws://127.0.0.1:5004 '{"id": 1, "method": "nodes"}'

Exit codes: 0 the answer is a result, 1 an error answer or a protocol failure, 2 usage,
3 nothing listens (yet). Only the standard library: Debian 12 packages no WebSocket client.
Events the server pushes in between (they carry no "id") are skipped.
"""
import base64
import json
import os
import socket
import struct
import sys
import urllib.parse


def fail(code, text):
    print(f"jsonapi-query: {text}", file=sys.stderr)
    sys.exit(code)


def read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return data


def send_text(sock, text):
    payload = text.encode()
    header = bytes([0x81])  # FIN, text
    mask = os.urandom(4)  # a client masks every frame (RFC 6455 5.3)
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def read_message(sock):
    message = b""
    while True:
        first, second = read_exact(sock, 2)
        opcode = first & 0x0F
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", read_exact(sock, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", read_exact(sock, 8))[0]
        if length > 64 * 1024 * 1024:
            raise ValueError(f"a frame of {length} bytes")
        mask = read_exact(sock, 4) if second & 0x80 else None
        payload = read_exact(sock, length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if opcode == 0x8:
            raise ConnectionError("the server closed the WebSocket")
        if opcode in (0x9, 0xA):  # ping, pong: not part of a message
            continue
        message += payload
        if first & 0x80:
            return message.decode()


def main():
    if len(sys.argv) != 3:
        fail(2, "usage: jsonapi-query.py ws://HOST:PORT '<request json>'")
    url = urllib.parse.urlparse(sys.argv[1])
    if url.scheme != "ws" or not url.hostname or not url.port:
        fail(2, f"not a ws://host:port URL: {sys.argv[1]}")
    try:
        request = json.loads(sys.argv[2])
    except json.JSONDecodeError as error:
        fail(2, f"the request is not JSON: {error}")
    try:
        sock = socket.create_connection((url.hostname, url.port), timeout=10)
    except OSError as error:
        fail(3, f"cannot connect to {sys.argv[1]}: {error}")
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET {url.path or '/'} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += read_exact(sock, 1)
            if len(response) > 16384:
                raise ValueError("an endless HTTP response")
        status = response.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            fail(1, f"no WebSocket upgrade: {status}")
        send_text(sock, json.dumps(request))
        while True:
            answer = json.loads(read_message(sock))
            if answer.get("id") == request.get("id"):
                break
    except (OSError, ValueError, ConnectionError) as error:
        fail(1, f"{sys.argv[1]}: {error}")
    finally:
        sock.close()
    print(json.dumps(answer, indent=1))
    sys.exit(0 if "result" in answer else 1)


if __name__ == "__main__":
    main()

"""A local S3 for the tests: moto's server in a subprocess on 127.0.0.1, with signature
checking switched on (``INITIAL_NO_AUTH_ACTION_COUNT``): the first requests create an IAM user
and its access key, every later request must be signed (SigV4) with that key."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: gettoken-free set-up calls before moto starts checking signatures: create the user, the
#: access key and the policy.
_SETUP_CALLS = 3
_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


@dataclass(frozen=True)
class LocalS3:
    endpoint: str
    access_key_id: str
    secret_access_key: str
    region: str = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_command(port: int) -> list[str]:
    exe = Path(sys.executable).with_name("moto_server")
    if exe.exists():
        return [str(exe), "-H", "127.0.0.1", "-p", str(port)]
    found = shutil.which("moto_server")
    if found is None:
        raise RuntimeError("moto_server not installed (pip install 'moto[s3,server]')")
    return [found, "-H", "127.0.0.1", "-p", str(port)]


@contextlib.contextmanager
def local_s3(buckets: tuple[str, ...] = ("yc-attachments",)) -> Iterator[LocalS3]:
    import boto3

    port = _free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(_SETUP_CALLS))
    env["NO_PROXY"] = "127.0.0.1,localhost"
    proc = subprocess.Popen(
        _server_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="yichuang")
        key = iam.create_access_key(UserName="yichuang")["AccessKey"]
        iam.put_user_policy(
            UserName="yichuang", PolicyName="s3", PolicyDocument=json.dumps(_POLICY)
        )
        s3 = LocalS3(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=s3.region,
            aws_access_key_id=s3.access_key_id,
            aws_secret_access_key=s3.secret_access_key,
        )
        for bucket in buckets:
            client.create_bucket(Bucket=bucket)
        yield s3
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""The bootstrap's MSK IAM login, as far as it runs without AWS: the Rasa Pro 3.21 virtualenv's own
aws-msk-iam-sasl-signer-python, boto3 and librdkafka (confluent-kafka), driven by the bootstrap
script's `_kafka_config`, with the environment EKS injects for an IRSA service account
(AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE) and a stand-in STS on loopback over verified TLS.

Shown: the web identity token file is exchanged at STS for the role's credentials, the MSK token is
a SigV4 presigned `kafka-cluster:Connect` URL for the cluster's region signed with exactly those
credentials, librdkafka asks the callback for it with the expiry in seconds, and a refused
exchange fails the step with STS's answer. Only MSK shows the token accepted, and its authoriser
allowing the role's CreateAcls and DescribeAcls (README: what only a real MSK shows)."""

from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from components.vault.bootstrap_plan import BOOTSTRAP_SCRIPT, KafkaAdministration, _kafka
from tests.support.rasa_env import RasaRunner, base_env
from tests.support.servers import LOOPBACK
from tests.support.tls import TestCA

pytestmark = pytest.mark.integration

REGION = "eu-central-1"
ROLE_ARN = "arn:aws:iam::111122223333:role/rasa-aws-dev-kafka-admin-0123"
ACCESS_KEY = "ASIAIRSATESTKEY00001"

DRIVER = r"""
import json, os, sys, time
sys.path.insert(0, os.path.dirname(sys.argv[1]))  # the script as the Job runs it: one file, no repository
import bootstrap
from confluent_kafka.admin import AdminClient
plan = json.loads(open(sys.argv[2]).read())
run = bootstrap.Run(plan)
try:
    config = bootstrap._kafka_config(run, plan["kafka"])
except bootstrap.StepFailed as exc:
    print(json.dumps({"failed": exc.message})); sys.exit(0)
callback, answers = config["oauth_cb"], []
def recording(oauthbearer_config):
    answers.append(callback(oauthbearer_config)); return answers[-1]
config["oauth_cb"] = recording
AdminClient(config)  # librdkafka asks for the first token while the client starts
print(json.dumps({"answers": answers, "now": time.time()}))
"""


class StandInSts(BaseHTTPRequestHandler):
    """AssumeRoleWithWebIdentity as AWS STS answers it (query API, XML), recording each request."""

    requests: list[dict[str, str]] = []
    refuse = False

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
        type(self).requests.append(form)
        if type(self).refuse or form.get("Action") != "AssumeRoleWithWebIdentity":
            status, text = 403, ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                                 '<Code>AccessDenied</Code><Message>Not authorized to perform sts:AssumeRoleWithWebIdentity'
                                 '</Message></Error><RequestId>r-1</RequestId></ErrorResponse>')
        else:
            expires = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
            status, text = 200, (
                '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                "<AssumeRoleWithWebIdentityResult><Credentials>"
                f"<AccessKeyId>{ACCESS_KEY}</AccessKeyId><SecretAccessKey>irsa-secret</SecretAccessKey>"
                f"<SessionToken>irsa-session-token</SessionToken><Expiration>{expires}</Expiration></Credentials>"
                "<SubjectFromWebIdentityToken>system:serviceaccount:vault:vault-bootstrap</SubjectFromWebIdentityToken>"
                "<AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/kafka-admin/bootstrap</Arn>"
                "<AssumedRoleId>AROAEXAMPLEID:bootstrap</AssumedRoleId></AssumedRoleUser>"
                "<Audience>sts.amazonaws.com</Audience></AssumeRoleWithWebIdentityResult>"
                "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>")
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def sts(test_ca: TestCA, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("sts")
    cert, key = test_ca.issue_server_cert().write(workdir, "sts")
    (workdir / "ca.pem").write_text(test_ca.cert_pem)
    server = ThreadingHTTPServer((LOOPBACK, 0), StandInSts)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.server_address[1]}", workdir / "ca.pem"
    finally:
        server.shutdown()
        server.server_close()


def drive(rasa: RasaRunner, sts: tuple[str, Path], workdir: Path) -> dict:
    url, ca = sts
    token_file = workdir / "token"
    token_file.write_text("eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.sig")
    plan = {"credentials_dir": str(workdir), "timeout_seconds": 5, "kafka": _kafka(KafkaAdministration(
        bootstrap_servers=[f"{LOOPBACK}:9"], security_protocol="SASL_SSL", sasl_mechanism="AWS_MSK_IAM", region=REGION,
        topic="rasa-core-events", producer="User:rasa"))}
    (workdir / "plan.json").write_text(json.dumps(plan))
    env = {
        **base_env(workdir),
        # What the EKS pod identity webhook injects for a service account annotated with a role,
        # plus the Job's own AWS_REGION / regional STS; STS itself is the stand-in here.
        "AWS_ROLE_ARN": ROLE_ARN, "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_REGION": REGION, "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        "AWS_ENDPOINT_URL_STS": url, "AWS_CA_BUNDLE": str(ca), "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(workdir / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
    }
    driver = workdir / "driver.py"
    driver.write_text(DRIVER)
    done = subprocess.run([str(rasa.python), str(driver), str(BOOTSTRAP_SCRIPT), str(workdir / "plan.json")],
                          env=env, cwd=workdir, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_irsa_web_identity_becomes_an_msk_token_librdkafka_is_given(rasa: RasaRunner, sts, tmp_path: Path) -> None:
    StandInSts.requests.clear()
    report = drive(rasa, sts, tmp_path)
    (exchange,) = StandInSts.requests
    assert exchange["Action"] == "AssumeRoleWithWebIdentity" and exchange["RoleArn"] == ROLE_ARN
    assert exchange["WebIdentityToken"] == "eyJhbGciOiJSUzI1NiJ9.projected-service-account-token.sig"
    ((token, expiry),) = report["answers"]  # librdkafka asked once, at start
    url = urllib.parse.urlsplit(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    query = dict(urllib.parse.parse_qsl(url.query))
    assert (url.scheme, url.netloc) == ("https", f"kafka.{REGION}.amazonaws.com")
    assert query["Action"] == "kafka-cluster:Connect"
    assert query["X-Amz-Credential"].startswith(f"{ACCESS_KEY}/") and query["X-Amz-Credential"].endswith(
        f"/{REGION}/kafka-cluster/aws4_request")
    assert query["X-Amz-Security-Token"] == "irsa-session-token"  # the role's session, not a static key
    assert query["X-Amz-Expires"] == "900" and len(query["X-Amz-Signature"]) == 64
    # Seconds since the epoch, about 15 minutes ahead (milliseconds would be 1000 times later).
    assert report["now"] < expiry <= report["now"] + 901


def test_a_refused_web_identity_fails_the_step_with_sts_answer(rasa: RasaRunner, sts, tmp_path: Path) -> None:
    StandInSts.refuse = True
    try:
        report = drive(rasa, sts, tmp_path)
    finally:
        StandInSts.refuse = False
    assert "answers" not in report
    assert f"cannot sign an MSK IAM token for {REGION}" in report["failed"]
    assert "AccessDenied" in report["failed"] and "eks.amazonaws.com/role-arn" in report["failed"]

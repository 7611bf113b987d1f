"""A labelled corpus of realistic log records with sensitive values at known spans.

`generate(n, seed)` is deterministic: the same arguments give the same records on every
machine. Records come from templates modelled on web access logs, application logs and stack
traces, syslog, JSON logs, payment and auth events, and infrastructure logs. Each template mixes
sensitive values (labelled) with the look-alikes that real logs are full of (timestamps,
versions, ids, hashes, byte counts: unlabelled, so redacting them costs precision).

Run `python -m benchmarks.redaction.corpus --write benchmarks/redaction/sample.jsonl` to
rebuild the committed sample.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from benchmarks.redaction import fakes as f
from benchmarks.redaction.records import Builder, Record
from benchmarks.redaction.tricky import tricky_records

SAMPLE_PATH = Path(__file__).with_name("sample.jsonl")
SAMPLE_SEED = 20240115
SAMPLE_LINES = 300


Template = Callable[[random.Random, Builder], None]


def _status(rng: random.Random) -> str:
    return str(rng.choice([200, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 429, 500, 503]))


def _ms(rng: random.Random) -> str:
    return rng.choice(
        [f"{rng.randint(1, 2500)}ms", f"{rng.random() * 5:.3f}s", f"{rng.randint(1, 900)}µs"]
    )


def web_access(rng: random.Random, b: Builder) -> None:
    """Apache/nginx combined log format."""
    if rng.random() < 0.8:
        b.pii("ipv4", f.ipv4(rng))
    else:
        b.pii("ipv6", f.ipv6(rng).split("/")[0].split("%")[0])
    b.add(f' - - [{f.clf_ts(rng)}] "')
    method = rng.choice(["GET", "POST", "PUT", "DELETE"])
    path = rng.choice(
        [
            f"/api/v{rng.randint(1, 3)}/orders/{rng.randint(10000, 999999)}",
            f"/static/img/logo@2x.png?v={f.version(rng)}",
            f"/api/v1/users/{f.uuid(rng)}/sessions",
            f"/assets/app.{f.rand(rng, f.HEX, 8)}.js",
            "/health",
        ]
    )
    b.add(f"{method} {path}")
    if rng.random() < 0.3:
        b.add("?email=")
        local, domain = f.email(rng).split("@")
        b.pii("email", f"{local}%40{domain}")
        b.add(f"&page={rng.randint(1, 50)}")
    b.add(f' HTTP/1.1" {_status(rng)} {rng.randint(0, 99999)} "')
    if rng.random() < 0.2:  # the referer
        b.add("http://").pii("ipv4", f.ipv4(rng)).add(f':{rng.choice([80, 8080])}/login" "')
    else:
        b.add('-" "')
    b.add(f'{f.user_agent(rng)}"')
    if rng.random() < 0.3:
        b.add(f" rt={rng.random():.3f} upstream=")
        b.pii("ipv4", f.ipv4(rng))
        b.add(f":{rng.choice([8080, 8443, 3000, 9000])}")


def app_error(rng: random.Random, b: Builder) -> None:
    """A Java-style application error with a stack trace (a multi-line record)."""
    b.add(f"{f.iso_ts(rng)} ERROR [{rng.choice(['main', 'http-nio-8080-exec-7', 'worker-3'])}] ")
    b.add("c.e.billing.PaymentService - charge failed for customer ")
    b.pii("email", f.email(rng))
    b.add(" card=")
    b.pii("credit_card", f.card(rng))
    b.add(f" amount={rng.randint(1, 9999)}.{rng.randint(0, 99):02d} EUR order={f.order_ref(rng)}\n")
    b.add("java.lang.IllegalStateException: issuer declined (code 05)\n")
    for _ in range(rng.randint(2, 4)):
        cls = rng.choice(["PaymentService", "CardGateway", "RetryTemplate", "OrderController"])
        b.add(f"\tat com.example.billing.{cls}.process({cls}.java:{rng.randint(10, 900)})\n")
    b.add(f"\t... {rng.randint(3, 60)} more")


def app_info(rng: random.Random, b: Builder) -> None:
    """Plain application log line about a user."""
    b.add(f"{f.iso_ts(rng)} INFO  [req={f.uuid(rng)}] ")
    choice = rng.randint(0, 5)
    if choice == 0:
        b.add("User ").pii("phone", f.phone(rng)).add(" accessed the system")
    elif choice == 1:
        b.add("sent verification SMS to ").pii("phone", f.phone(rng))
        b.add(f" in {_ms(rng)} (attempt {rng.randint(1, 3)})")
    elif choice == 2:
        b.add("profile updated user_id=").add(str(rng.randint(1, 10**6))).add(" email=")
        b.pii("email", f.email(rng)).add(" phone=").pii("phone", f.phone(rng))
    elif choice == 3:
        b.add(f"Order {f.order_ref(rng)} costs ${rng.randint(1, 999)}.{rng.randint(0, 99):02d} ")
        b.add(f"shipped in {rng.randint(1, 9)}d; tracking ref {f.bad_luhn(rng)}")
    elif choice == 4:
        b.add(
            f"cache miss key=user:{rng.randint(1, 99999)} took {_ms(rng)} size={f.byte_count(rng)}B"
        )
        b.add(f" cwd PWD=/srv/app/{rng.randint(1, 9)}")
    else:
        b.add("contact request from ").pii("email", f.email(rng)).add(", call back on ")
        b.pii("phone", f.phone(rng))


def syslog(rng: random.Random, b: Builder) -> None:
    """BSD syslog lines from sshd, the kernel and DHCP."""
    host = rng.choice(["web-01", "db-02", "edge-gw", "k8s-node-7"])
    b.add(f"{f.syslog_ts(rng)} {host} ")
    choice = rng.randint(0, 4)
    if choice == 0:
        b.add(f"sshd[{rng.randint(300, 65000)}]: Accepted publickey for deploy from ")
        b.pii("ipv4", f.ipv4(rng))
        b.add(f" port {rng.randint(1024, 65535)} ssh2: ED25519 SHA256:{f.rand(rng, f.B64, 43)}")
    elif choice == 1:
        b.add(f"sshd[{rng.randint(300, 65000)}]: Failed password for invalid user admin from ")
        b.pii("ipv6", f.ipv6(rng).split("/")[0])
        b.add(f" port {rng.randint(1024, 65535)} ssh2")
    elif choice == 2:
        b.add(f"dhcpd[{rng.randint(300, 9000)}]: DHCPACK on ").pii("ipv4", f.ipv4(rng))
        b.add(" to ").pii("mac", f.mac(rng)).add(f" via eth{rng.randint(0, 3)}")
    elif choice == 3:
        b.add(f"kernel: [{rng.randint(1, 99999)}.{rng.randint(0, 999999):06d}] eth0: link up, ")
        b.add(f"{rng.choice([100, 1000, 10000])} Mbps full duplex, addr ").pii("mac", f.mac(rng))
    else:
        b.add(f"systemd[1]: Started session {rng.randint(1, 9999)} of user deploy; ")
        b.add(f"agent version={f.four_part_version(rng)} build {f.rand(rng, f.HEX, 7)}")


def json_log(rng: random.Random, b: Builder) -> None:
    """Structured JSON log lines, the format services emit today."""
    b.add('{"ts":"').add(f.iso_ts(rng)).add('","level":"info","service":"accounts",')
    b.add(f'"trace_id":"{f.rand(rng, f.HEX, 32)}","duration_ms":{rng.randint(1, 3000)},')
    choice = rng.randint(0, 4)
    if choice == 0:
        b.add('"msg":"signup","user":{"email":"').pii("email", f.email(rng))
        b.add('","phone":"').pii("phone", f.bare_phone(rng)).add('"}}')
    elif choice == 1:
        b.add('"msg":"login","client_ip":"').pii("ipv4", f.ipv4(rng))
        key = rng.choice(["password", "pwd", "passwd", "secret"])
        b.add(f'","{key}":"').pii("secret_assignment", f.password(rng)).add('"}')
    elif choice == 2:
        b.add('"msg":"kyc check","ssn":"').pii("ssn", f.ssn(rng)).add('","dob_year":')
        b.add(f'{rng.randint(1940, 2005)},"score":{rng.random():.2f}}}')
    elif choice == 3:
        b.add('"msg":"payout","iban":"').pii("iban", f.iban(rng))
        b.add(f'","amount":{rng.randint(1, 99999)},"currency":"EUR"}}')
    else:
        b.add(f'"msg":"asset uploaded","sha256":"{f.sha256(rng)}","bytes":{f.byte_count(rng)},')
        b.add(f'"version":"{f.version(rng)}","status":{_status(rng)}}}')


def payment_event(rng: random.Random, b: Builder) -> None:
    """Payment gateway events: cards, IBANs and keys that should never have been logged."""
    b.add(f"{f.iso_ts(rng)} payment.{rng.choice(['authorized', 'captured', 'refunded'])} ")
    choice = rng.randint(0, 3)
    if choice == 0:
        b.add("pan=").pii("credit_card", f.card(rng))
        b.add(f" exp={rng.randint(1, 12):02d}/{rng.randint(25, 31)} order={f.order_ref(rng)}")
    elif choice == 1:
        b.add("sepa mandate iban=").pii("iban", f.iban(rng))
        b.add(
            f" ref=ORD-{rng.randint(100, 999)}-{rng.randint(10, 99)} holder_id={rng.randint(1, 10**5)}"
        )
    elif choice == 2:
        b.add("stripe request using key ").pii("stripe_key", f.stripe_key(rng))
        b.add(f" idempotency={f.uuid(rng)} status={_status(rng)}")
    else:
        b.add("card ending ").add(f.digits(rng, 4)).add(" billing phone ").pii(
            "phone", f.phone(rng)
        )
        b.add(f" amount=${rng.randint(1, 500)}.{rng.randint(0, 99):02d}")


def auth_event(rng: random.Random, b: Builder) -> None:
    """Authentication and API access logs, where tokens and passwords leak."""
    b.add(f"{f.iso_ts(rng)} auth ")
    choice = rng.randint(0, 11)
    if choice == 0:
        b.add("request headers: Authorization: Bearer ").pii("bearer_token", f.opaque_token(rng))
    elif choice == 1:
        b.add("Authorization: Bearer ").pii("bearer_token", f.jwt(rng))
        b.add(f" path=/api/v2/me status={_status(rng)}")
    elif choice == 2:
        b.add("issued id_token ").pii("jwt", f.jwt(rng)).add(f" ttl={rng.randint(60, 3600)}s")
    elif choice == 3:
        b.add("Authorization: Basic ").pii("basic_auth", f.basic_credentials(rng))
    elif choice == 4:
        b.add("login attempt user=").add(rng.choice(f.FIRST)).add(" password=")
        b.pii("secret_assignment", f.password(rng)).add(" from ").pii("ipv4", f.ipv4(rng))
    elif choice == 5:
        b.add("boto: using credentials aws_access_key_id=").pii(
            "aws_access_key", f.aws_access_key(rng)
        )
        b.add(" aws_secret_access_key=").pii("aws_secret_key", f.aws_secret_key(rng))
    elif choice == 6:
        b.add("git clone with token ").pii("github_token", f.github_token(rng))
        b.add(f" took {_ms(rng)}")
    elif choice == 7:
        b.add("slack notify token=").pii("slack_token", f.slack_token(rng))
        b.add(" channel=#alerts")
    elif choice == 8:
        b.add('config loaded {"api_key": "').pii("secret_assignment", f.mixed(rng, f.ALNUM, 32))
        b.add(f'", "timeout": {rng.randint(1, 60)}, "retries": {rng.randint(0, 5)}}}')
    elif choice == 9:
        b.add("npm publish //registry/:_authToken=").pii("npm_token", f.npm_token(rng))
    elif choice == 10:
        b.add("maps client key=").pii("google_api_key", f.google_api_key(rng))
        b.add(" gitlab ").pii("gitlab_token", f.gitlab_token(rng))
    else:
        b.add("missing Bearer token for /api/v1/orders; password reset requested for user ")
        b.add(f"{rng.randint(1, 99999)} (max_tokens=4096, token_count={rng.randint(1, 999)})")


def infra_event(rng: random.Random, b: Builder) -> None:
    """Deployment, firewall and database logs: connection strings, keys, addresses."""
    b.add(f"{f.iso_ts(rng)} ")
    choice = rng.randint(0, 5)
    if choice == 0:
        b.add("connecting to postgres://orders:").pii("url_credentials", f.password(rng))
        b.add(f"@db-{rng.randint(1, 9)}.internal:5432/orders pool={rng.randint(1, 50)}")
    elif choice == 1:
        b.add("loaded service account key ").pii("private_key", f.private_key(rng))
    elif choice == 2:
        b.add('secret manifest {"private_key": "').pii("private_key", f.private_key(rng, "\\n"))
        b.add('", "client_email": "').pii("email", f.email(rng)).add('"}')
    elif choice == 3:
        b.add(f"pod web-{f.rand(rng, f.HEX, 9)}-{f.rand(rng, 'bcdfghjklmnpqrstvwxz2456789', 5)} ")
        b.add("assigned ").pii("ipv6", f.ipv6(rng)).add(" and ").pii("ipv4", f.ipv4(rng) + "/32")
    elif choice == 4:
        first = f.ipv4(rng)
        b.add("firewall allow src=").pii("ipv4", f"{first}-{first.rsplit('.', 1)[0]}.255")
        b.add(f" dport={rng.choice([22, 443, 5432])} proto=tcp rule={rng.randint(1, 999)} ")
        b.add("legacy_src=").pii("ipv4", ".".join(f"{int(o):03d}" for o in f.ipv4(rng).split(".")))
    else:
        b.add(f"deploy {f.sha1(rng)} image tag v{f.version(rng)} to {rng.randint(1, 20)} nodes, ")
        b.add("DB_PASSWORD=").pii("secret_assignment", f.password(rng))
        b.add(" rollout ").add(f"{rng.randint(0, 100)}%")


def ops_event(rng: random.Random, b: Builder) -> None:
    """Operational lines with no personal data at all: the bulk of real logs, full of numbers."""
    b.add(f"{f.iso_ts(rng)} ")
    choice = rng.randint(0, 7)
    if choice == 0:
        b.add(f'Successfully pulled image "registry.example.com/orders:{f.version(rng)}" in ')
        b.add(f"{rng.random() * 9:.2f}s (size {rng.randint(10**6, 10**9)} bytes)")
    elif choice == 1:
        young, total = rng.randint(64, 2048), rng.randint(2048, 8192)
        b.add(f"[gc] GC({rng.randint(1, 99999)}) Pause Young (Normal) {young}M->{young // 4}M")
        b.add(f"({total}M) {rng.random() * 50:.3f}ms")
    elif choice == 2:
        b.add(f"db query=orders.by_customer took {_ms(rng)} rows={rng.randint(0, 500)} ")
        b.add(f"query_id={f.uuid(rng)} pool={rng.randint(1, 50)}/{rng.randint(50, 100)}")
    elif choice == 3:
        b.add(f'metric http_requests_total{{code="{_status(rng)}",method="GET"}} ')
        b.add(f"{rng.randint(1, 10**7)} {1700000000000 + rng.randint(0, 10**10)}")
    elif choice == 4:
        b.add(f"starting orders-service version={f.version(rng)} build={f.rand(rng, f.HEX, 7)} ")
        b.add(
            f"commit={f.sha1(rng)} go1.{rng.randint(19, 22)}.{rng.randint(0, 9)} pid={rng.randint(2, 65535)}"
        )
    elif choice == 5:
        b.add(f"consumer group=billing topic=payments partition={rng.randint(0, 63)} ")
        b.add(f"offset={rng.randint(10**9, 9 * 10**9)} lag={rng.randint(0, 5000)} ")
        b.add(f"commit_ms={rng.randint(1, 900)}")
    elif choice == 6:
        b.add(f"trace_id={f.rand(rng, f.HEX, 32)} span_id={f.rand(rng, f.HEX, 16)} ")
        b.add(f"GET /healthz {_status(rng)} {_ms(rng)} bytes={rng.randint(2, 512)}")
    else:
        b.add(f"cache stats hit_ratio={rng.random():.3f} evictions={rng.randint(0, 9999)} ")
        b.add(f"size={f.byte_count(rng)} keys={rng.randint(0, 10**6)} uptime=")
        b.add(f"{rng.randint(0, 99)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}")


TEMPLATES: dict[str, Template] = {
    "web_access": web_access,
    "app_error": app_error,
    "app_info": app_info,
    "syslog": syslog,
    "json_log": json_log,
    "payment": payment_event,
    "auth": auth_event,
    "infra": infra_event,
    "ops": ops_event,
}
WEIGHTS = [16, 5, 14, 10, 12, 8, 12, 7, 30]


def generate(n: int, seed: int) -> list[Record]:
    """Return `n` generated records for `seed`, always the same ones."""
    rng = random.Random(seed)
    names = list(TEMPLATES)
    records = []
    for _ in range(n):
        name = rng.choices(names, WEIGHTS)[0]
        builder = Builder()
        TEMPLATES[name](rng, builder)
        records.append(builder.build(name))
    return records


def corpus(n: int, seed: int) -> list[Record]:
    """The benchmark corpus: `n` generated records followed by the hand-written tricky cases."""
    return generate(n, seed) + tricky_records()


def write_jsonl(records: Iterable[Record], path: Path) -> None:
    path.write_text("".join(record.to_json() + "\n" for record in records), encoding="utf-8")


def read_jsonl(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Record.from_json(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the labelled redaction corpus.")
    parser.add_argument("--lines", type=int, default=SAMPLE_LINES)
    parser.add_argument("--seed", type=int, default=SAMPLE_SEED)
    parser.add_argument("--write", type=Path, default=SAMPLE_PATH, help="JSONL output file")
    args = parser.parse_args(argv)
    write_jsonl(corpus(args.lines, args.seed), args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

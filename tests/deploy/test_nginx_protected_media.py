"""deploy/nginx/testimonio.conf, started for real on loopback in front of bin/serve.

Media bytes leave through nginx only after the archive's policy said yes
(X-Accel-Redirect to an internal location); without a valid signed link, or
asked for directly, nothing comes back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.deploy.conftest import ROOT, free_port, operator_env, prepare, stop_group, wait_for

SITE_CONF = ROOT / "deploy" / "nginx" / "testimonio.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(scope="module")
def archive_behind_nginx(tmp_path_factory: pytest.TempPathFactory):
    if not Path(NGINX).exists():
        pytest.fail("nginx not found: apt-get install nginx (make install does, as root)")
    tmp = tmp_path_factory.mktemp("nginx")
    var = tmp / "var"
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    env = operator_env(
        var,
        TESTIMONIO_BIND=f"127.0.0.1:{app_port}",
        TESTIMONIO_WORKER="0",
        # Production transport: HTTPS is nginx's, and nginx says so.
        TESTIMONIO_PLAIN_HTTP="0",
        TESTIMONIO_BEHIND_TLS_PROXY="1",
        TESTIMONIO_PROTECTED_MEDIA="x-accel-redirect",
    )
    prepare(env)

    recording = tmp / "speech.ogg"
    wav = tmp / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "My brother waited at the border."], check=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "libopus", str(recording)], check=True
    )
    testimonies = {}
    for access in ("public", "staff"):
        done = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "ingest",
                str(recording),
                "--title",
                f"Border {access}",
                "--storyteller",
                "Ana",
                "--access",
                access,
                "--model",
                "tiny.en",
                "--publish",
                "--json",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        testimonies[access] = json.loads(done.stdout.strip().splitlines()[-1])

    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(tmp / "key.pem"),
            "-out",
            str(tmp / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = SITE_CONF.read_text()
    for name, value in {
        "SERVER_NAME": "127.0.0.1",
        "HTTP_PORT": f"127.0.0.1:{http_port}",
        "HTTPS_PORT": f"127.0.0.1:{https_port}",
        "CERTIFICATE": str(tmp / "cert.pem"),
        "CERTIFICATE_KEY": str(tmp / "key.pem"),
        "UPSTREAM": f"127.0.0.1:{app_port}",
        "PRIVATE_MEDIA": str(var / "media" / "private"),
    }.items():
        site = site.replace(f"@{name}@", value)
    assert "@" not in re.sub(r"#.*", "", site), "a placeholder was left unfilled"
    (tmp / "site.conf").write_text(site)
    (tmp / "nginx.conf").write_text(
        # Workers read the private media as the user running the test (root
        # here: nginx would otherwise drop to "nobody", who cannot enter tmp).
        ("user root;\n" if os.getuid() == 0 else "")
        + f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{ audio/mp4 m4a; audio/ogg ogg opus; video/mp4 mp4; }}
    include {tmp}/site.conf;
}}
"""
    )
    app_log, nginx_log = tmp / "serve.log", tmp / "nginx.log"
    app = subprocess.Popen(
        [str(ROOT / "bin" / "serve")],
        cwd=ROOT,
        env=env,
        stdout=app_log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    nginx = subprocess.Popen(
        [NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
        stdout=nginx_log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{app_port}/", app, app_log)
        wait_for(f"https://127.0.0.1:{https_port}/", nginx, nginx_log, str(tmp / "cert.pem"))
        yield {
            "https": f"https://127.0.0.1:{https_port}",
            "http": f"http://127.0.0.1:{http_port}",
            "app": f"http://127.0.0.1:{app_port}",
            "private": var / "media" / "private",
            "testimonies": testimonies,
            "nginx_log": nginx_log,
            "cert": str(tmp / "cert.pem"),
        }
    finally:
        nginx.send_signal(signal.SIGQUIT)
        for process in (nginx, app):
            stop_group(process)


def _media_link(site: dict, access: str) -> tuple[str, str]:
    """The signed media link the testimony page gives an anonymous visitor, and its page."""
    testimony = site["testimonies"][access]
    page = requests.get(f"{site['https']}/t/{testimony['id']}", verify=site["cert"], timeout=30)
    links = re.findall(r'(/media/[0-9a-f-]{36}/\?s=[^"&]+)', page.text)
    return (links[0] if links else ""), page.text


def test_plain_http_is_sent_to_https(archive_behind_nginx) -> None:
    answer = requests.get(
        archive_behind_nginx["http"] + "/search/", allow_redirects=False, timeout=10
    )
    assert answer.status_code == 301
    assert answer.headers["Location"].startswith("https://")


def test_nginx_serves_a_recording_only_after_the_archive_allowed_it(archive_behind_nginx) -> None:
    site = archive_behind_nginx
    link, page = _media_link(site, "public")
    assert link, "the public testimony's page offers no media link"
    played = requests.get(site["https"] + link, verify=site["cert"], timeout=30)
    assert played.status_code == 200
    stored = [
        p for p in site["private"].rglob("*") if p.is_file() and p.read_bytes() == played.content
    ]
    assert stored, "nginx did not send the stored web copy"
    assert played.headers["Cache-Control"] == "private, no-store"
    assert "X-Accel-Redirect" not in played.headers  # nginx consumed it
    ranged = requests.get(
        site["https"] + link, headers={"Range": "bytes=0-99"}, verify=site["cert"], timeout=30
    )
    assert ranged.status_code == 206 and len(ranged.content) == 100

    unsigned = requests.get(site["https"] + link.split("?")[0], verify=site["cert"], timeout=30)
    assert unsigned.status_code == 403
    tampered = requests.get(site["https"] + link[:-3] + "xyz", verify=site["cert"], timeout=30)
    assert tampered.status_code == 403
    relative = stored[0].relative_to(site["private"])
    direct = requests.get(f"{site['https']}/protected/{relative}", verify=site["cert"], timeout=30)
    assert direct.status_code == 404 and direct.content != played.content


def test_restricted_testimony_gives_no_media_through_nginx(archive_behind_nginx) -> None:
    link, page = _media_link(archive_behind_nginx, "staff")
    assert link == ""
    assert "My brother waited" not in page


def test_secure_cookies_and_hsts_come_through_the_proxy(archive_behind_nginx) -> None:
    site = archive_behind_nginx
    answer = requests.get(site["https"] + "/accounts/login/", verify=site["cert"], timeout=30)
    assert answer.status_code == 200
    assert "max-age=31536000" in answer.headers["Strict-Transport-Security"]
    assert "secure" in answer.headers["Set-Cookie"].lower()
    log = archive_behind_nginx["nginx_log"].read_text()
    assert "/media/" not in log and "127.0.0.1 -" not in log  # no paths or addresses logged

"""scripts/deps.sh and the make targets around the build directory, where a
newcomer meets them: offline, with a half-done apt update, after `make
clean`. apt-get is replaced by a fake on PATH (the real one would need the
network); everything runs in a scratch build directory."""
import os
import shutil
import stat
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPS = os.path.join(ROOT, "scripts", "deps.sh")
REAL = os.path.join(ROOT, "build", "deps")
TARBALLS = ("lwip_2.1.3+dfsg1.orig.tar.xz", "mbedtls_2.28.3.orig.tar.gz",
            "bearssl_0.6+dfsg.1.orig.tar.xz")


def fake_apt(tmp, body):
    """A PATH holding an `apt-get` made of `body` (bash), then the real PATH."""
    d = tmp / "bin"
    d.mkdir(exist_ok=True)
    f = d / "apt-get"
    f.write_text("#!/usr/bin/env bash\necho \"$@\" >> \"$FAKE_APT_LOG\"\n" + body + "\n")
    f.chmod(f.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{d}:{os.environ['PATH']}", "FAKE_APT_LOG": str(tmp / "apt.log")}


def run(env, build):
    return subprocess.run(["bash", DEPS, "sources", str(build)], capture_output=True, text=True,
                          env=env, timeout=120)


def test_deps_offline_says_what_to_place_and_retries_the_update(tmp_path):
    """apt-get update 'succeeds' without any list (what it does offline):
    deps.sh must not remember it as done, and must say how to work offline."""
    env = fake_apt(tmp_path, 'echo "W: Failed to fetch http://deb.debian.org/..." >&2; exit 0')
    build = tmp_path / "build"
    r = run(env, build)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout + r.stderr
    assert "network is" in out and "needed once" in out
    for t in TARBALLS:
        assert t in out
    assert "deb-src URIs" not in out
    assert not (build / "deps" / "apt" / ".updated").exists()
    # The next run tries the update again (a marker would make it skip).
    run(env, build)
    assert (tmp_path / "apt.log").read_text().count("update") == 2


def test_deps_stale_lists_are_refreshed_after_a_failed_source(tmp_path):
    """Lists are there but `apt-get source` fails: the marker goes, so the
    next run updates first."""
    env = fake_apt(tmp_path, '''
case " $* " in
  *" update "*) d=$(echo "$@" | sed -nE 's/.*Dir::State::Lists=([^ ]+).*/\\1/p')
                touch "$d/deb.debian.org_debian_dists_bookworm_main_source_Sources"; exit 0 ;;
  *" source "*) echo "E: Unable to find a source package" >&2; exit 100 ;;
esac''')
    build = tmp_path / "build"
    r = run(env, build)
    assert r.returncode == 1 and "apt-get source lwip failed" in r.stdout, r.stdout + r.stderr
    assert not (build / "deps" / "apt" / ".updated").exists()


def test_deps_works_offline_from_placed_tarballs(tmp_path):
    """The tarballs placed by hand are used without apt at all."""
    missing = [t for t in TARBALLS if not os.path.exists(os.path.join(REAL, t))]
    assert not missing, f"build/deps lacks {missing}: run make deps first"
    env = fake_apt(tmp_path, 'echo "apt-get must not run" >&2; exit 1')
    build = tmp_path / "build"
    (build / "deps").mkdir(parents=True)
    for t in TARBALLS:
        shutil.copy(os.path.join(REAL, t), build / "deps" / t)
    r = run(env, build)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (build / "deps" / "lwip" / "src").is_dir() and (build / "deps" / "mbedtls").is_dir()
    assert (build / "deps" / "bearssl" / "src" / "ec" / "ec_p256_m31.c").is_file()
    assert not (tmp_path / "apt.log").exists()


def test_make_clean_keeps_the_key_and_distclean_says_it_removes_it(tmp_path):
    b = tmp_path / "b"
    for d in ("keys", "deps", "obj"):
        (b / d).mkdir(parents=True)
    (b / "keys" / "dev.pem").write_text("key")
    (b / "deps" / "x").write_text("src")
    (b / "obj" / "y.o").write_text("o")
    r = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "clean", f"B={b}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (b / "keys" / "dev.pem").exists() and (b / "deps" / "x").exists()
    assert not (b / "obj").exists()
    r = subprocess.run(["make", "--no-print-directory", "-C", ROOT, "distclean", f"B={b}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "removing" in r.stdout and "untrusted key" in r.stdout
    assert not b.exists()

"""An MTA's Debian packages made to run as if installed, without installing them: a sample
generator (courier_samples.py, dma_samples.py, dovecot_samples.py) runs itself again in mount,
PID and UTS namespaces of its own (unshare(1)), fetches the packages with `apt-get download`,
unpacks them with `dpkg -x` and lays the unpacked /etc, /usr and /var over the system's with
overlay mounts (and an empty layer over /run), under a host name of .test. Inside, the MTA finds
its binaries, config and queue where Debian puts them, and whatever it or the generator writes
(its users in /etc/passwd, config, queue) lands in a temporary folder. Outside, nothing
changes: dpkg never hears of the packages, so Debian's Postfix, which courier-mta and dma would
remove on install, stays installed, and the system's /etc is untouched. When the generator
exits, the kernel ends every process left in its PID namespace (the MTA's daemons) and drops
the mounts; then the temporary folder is removed.

Needs root, unshare(1) (util-linux), overlayfs and apt-get's access to Debian's archive.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile

MARK = "BOUNCED_PRIVATE_ROOT"


def reenter():
    """Outside the namespaces: makes the run's temporary folder, runs this script again (same
    interpreter, same arguments) in new mount and PID namespaces, removes the folder once that
    run and every process of its namespace has ended, and exits with its status. Inside: returns
    the folder."""
    inside = os.environ.get(MARK)
    if inside:
        return inside
    if os.geteuid() != 0:
        sys.exit(f"{sys.argv[0]}: needs root (mount namespaces, overlay mounts)")
    folder = tempfile.mkdtemp(prefix="bounced-mta-samples-")
    os.chmod(folder, 0o755)  # the MTAs' users reach their files in it
    cmd = ["unshare", "--mount", "--uts", "--pid", "--fork", "--propagation", "private", "--mount-proc",
           sys.executable, os.path.abspath(sys.argv[0]), *sys.argv[1:]]
    try:
        status = subprocess.run(cmd, env=dict(os.environ, **{MARK: folder})).returncode
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(status)


def installed(package):
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.endswith(" installed")


def unpack(packages, folder):
    """apt-get download each package not installed on the system into folder/debs, dpkg -x each
    into folder/root; returns {package: version} of those unpacked."""
    debs, root = os.path.join(folder, "debs"), os.path.join(folder, "root")
    os.makedirs(debs)
    os.makedirs(root)
    wanted = [p for p in packages if not installed(p)]
    if wanted:
        os.chmod(debs, 0o777)  # apt-get downloads as _apt where it can
        subprocess.run(["apt-get", "download", "-q", *wanted], cwd=debs, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    versions = {}
    for deb in sorted(os.listdir(debs)):
        subprocess.run(["dpkg-deb", "-x", os.path.join(debs, deb), root], check=True)
        name, version = deb.split("_")[:2]
        versions[name] = version.replace("%3a", ":")
    return root, versions


def lay_over(root, work):
    """Overlays root/etc, root/usr and root/var on the system's (root's files first), and an
    empty layer on /run; writes go to work/."""
    for top in ("etc", "usr", "var", "run"):
        upper, scratch = os.path.join(work, top, "upper"), os.path.join(work, top, "work")
        os.makedirs(upper)
        os.makedirs(scratch)
        lower = f"/{top}"
        if os.path.isdir(os.path.join(root, top)):
            lower = os.path.join(root, top) + ":" + lower
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                        f"lowerdir={lower},upperdir={upper},workdir={scratch}", f"/{top}"], check=True)


def enter(packages, hostname):
    """Everything above, in order, and the namespace's host name set to hostname (what
    gethostname() gives the MTA: Dovecot names its Message-IDs after it); returns (folder,
    {package: version}) inside the namespaces, the packages laid over the system. Call it first
    thing: it runs the script again."""
    folder = reenter()
    socket.sethostname(hostname)
    root, versions = unpack(packages, folder)
    lay_over(root, os.path.join(folder, "work"))
    return folder, versions

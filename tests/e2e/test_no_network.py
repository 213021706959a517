"""Casebook makes no network connection. scripts/test runs this whole suite inside a network
namespace whose only interface is loopback, so any flow that needed the network would fail
there; this test checks that it is so, and then looks at every socket the app and its web
engine's processes hold while a DSL works: none may reach anything but this computer's own
loopback (where the test's WebDriver talks to the window)."""
import os
from pathlib import Path

from helpers import click_button, demo_vault, heading, open_first_incident, preview_referral


def _interfaces() -> list[str]:
    lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":")[0].strip() for line in lines)


def _process_tree(root: int) -> set[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo.extend(children.get(pid, []))
    return tree


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    except OSError:
        pass
    return inodes


def _hex_address(field: str) -> str:
    """An address from /proc/net/tcp{,6}: "0100007F:1F90" → "127.0.0.1" (or the IPv6 hex)."""
    host = field.split(":")[0]
    if len(host) == 8:
        return ".".join(str(int(host[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return host


LOOPBACK = {"127.0.0.1", "0.0.0.0", "00000000000000000000000000000000",
            "00000000000000000000000001000000", "0000000000000000FFFF00000100007F"}


def _inet_sockets(pid: int) -> list[tuple[str, str, str]]:
    """The internet sockets a process holds: (table, local address, remote address)."""
    mine = _socket_inodes(pid)
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[9] in mine:
                found.append((table, _hex_address(cols[1]), _hex_address(cols[2])))
    return found


def _app_pid() -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                exe = os.readlink(entry / "exe")
            except OSError:
                continue
            if exe.endswith("/casebook-desktop"):
                return int(entry.name)
    raise AssertionError("the app's process was not found")


def test_the_app_reaches_nothing_but_loopback(app, cli):
    driver = app
    if os.environ.get("CASEBOOK_TEST_NO_NETWORK") == "1":
        # scripts/test's network namespace: loopback and nothing else.
        assert _interfaces() == ["lo"], _interfaces()
    demo_vault(driver, cli, 8, 31)
    heading(driver, "Today")
    open_first_incident(driver)
    preview_referral(driver, "The police")
    click_button(driver, "People")
    heading(driver, "People")
    tree = _process_tree(_app_pid())
    assert len(tree) >= 2, "the web engine's processes were not found under the app"
    seen = 0
    for pid in tree:
        for table, local, remote in _inet_sockets(pid):
            seen += 1
            assert local in LOOPBACK and remote in LOOPBACK, (
                f"process {pid} holds a {table} socket from {local} to {remote}"
            )
    # The reading works: the WebDriver's own loopback connection to the window is seen.
    assert seen > 0, "no socket at all was read; the check is not looking"

"""Who may sign in: the users file, demo mode, and `python -m warehouse users add`.

The users file is `SVMT_USERS`, else `config/users.yaml` (git-ignored). The demo users of the tracked
`config/users.demo.yaml` (their passwords are public) are used only in demo mode (`SVMT_DEMO=1`, set by
`make demo`) and only when no users file is configured, so a province's dashboard never accepts them.
A `cookie:` section in any users file is ignored: the cookie is signed with the install secret
(warehouse/secret.py), never with a key that could sit in a tracked or copied file.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEMO_FILE = REPO / "config" / "users.demo.yaml"
OWN_FILE = REPO / "config" / "users.yaml"
ROLES = ("lanh_dao", "phan_tich", "can_bo_du_lieu")
MIN_PASSWORD = 10
MAX_PASSWORD_BYTES = 72  # bcrypt uses (and bcrypt 5 accepts) at most 72 bytes
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
DISTRICT = re.compile(r"[0-9A-Za-z_-]{1,20}")
EXIT_OK, EXIT_BAD_INPUT = 0, 2


class UsersError(Exception):
    """The users file or a `users add` request is unusable; the message says why (Vietnamese / English)."""


@dataclass(frozen=True)
class User:
    name: str
    full_name: str
    role: str
    districts: tuple[str, ...] | None  # None: the province view
    password_hash: str


@dataclass(frozen=True)
class Directory:
    """The users that may sign in now, and where they come from: "file", "demo" or "none"."""

    users: dict[str, User]
    source: str
    path: Path | None


def demo_mode() -> bool:
    return os.environ.get("SVMT_DEMO", "") == "1"


def target_file() -> Path:
    """Where `users add` writes and the app reads a province's users: SVMT_USERS, else config/users.yaml."""
    override = os.environ.get("SVMT_USERS", "")
    return Path(override) if override else OWN_FILE


def configured_file() -> Path | None:
    """The province's users file when one is configured (SVMT_USERS set, or config/users.yaml present)."""
    path = target_file()
    return path if os.environ.get("SVMT_USERS") or path.exists() else None


def active_users() -> Directory:
    """The users file; the demo users only in demo mode without one; else nobody."""
    path = configured_file()
    if path is None:
        if demo_mode():
            return Directory(load_users(DEMO_FILE), "demo", DEMO_FILE)
        return Directory({}, "none", None)
    if path.exists() and path.resolve() == DEMO_FILE.resolve():  # public passwords as the province's users
        return Directory({}, "none", None)
    return Directory(load_users(path) if path.exists() else {}, "file", path)


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", dòng / line {mark.line + 1}, cột / column {mark.column + 1}" if mark else ""
        raise UsersError(f"{path}{where}: không đọc được / unreadable: {type(exc).__name__}") from exc
    data = data or {}
    if not isinstance(data, dict) or not isinstance((data.get("credentials") or {}), dict) \
            or not isinstance(((data.get("credentials") or {}).get("usernames") or {}), dict):
        raise UsersError(f"{path}: cần `credentials: usernames:` / expected `credentials: usernames:`")
    return data


def load_users(path: Path) -> dict[str, User]:
    """name → User of a users file (any `cookie:` section is ignored; a user without a known role cannot sign in)."""
    entries = (_read(path).get("credentials") or {}).get("usernames") or {}
    users = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("password"), str):
            raise UsersError(f"{path}: người dùng {name!r} thiếu mật khẩu đã băm / user {name!r} lacks a password hash")
        roles = entry.get("roles") or []
        role = next((r for r in roles if r in ROLES), None) if isinstance(roles, list) else None
        if role is None:
            continue
        districts = entry.get("districts")
        users[str(name).lower()] = User(str(name).lower(), str(entry.get("name") or name), role,
                                        tuple(str(d) for d in districts) if districts else None,
                                        entry["password"])
    return users


def _check(name: str, role: str, districts: list[str], password: str) -> None:
    if not NAME.fullmatch(name):
        raise UsersError(f"tên '{name}' không hợp lệ: 2–64 ký tự a-z 0-9 . _ - (bắt đầu bằng chữ hoặc số) / "
                         "invalid name: 2–64 characters a-z 0-9 . _ - (starting with a letter or digit)")
    if role not in ROLES:
        raise UsersError(f"vai trò '{role}' không có / unknown role (one of {', '.join(ROLES)})")
    for code in districts:
        if not DISTRICT.fullmatch(code):
            raise UsersError(f"mã địa bàn '{code}' không hợp lệ / invalid district code (letters, digits, _ -)")
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự / the password must have at least "
                         f"{MIN_PASSWORD} characters")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise UsersError(f"mật khẩu dài quá {MAX_PASSWORD_BYTES} byte / the password is longer than "
                         f"{MAX_PASSWORD_BYTES} bytes")


def hash_password(password: str, rounds: int = 12) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=rounds)).decode("ascii")


def put_user(path: Path, name: str, role: str, password_hash: str, *, districts: list[str] | None = None,
             full_name: str | None = None, replace: bool = False) -> None:
    """Write one user into the users file atomically (mode 0600), keeping every other user and key."""
    data = _read(path)
    usernames = data.setdefault("credentials", {}).setdefault("usernames", None) or {}
    data["credentials"]["usernames"] = usernames
    if name in usernames and not replace:
        raise UsersError(f"người dùng '{name}' đã có trong {path}; dùng --replace để thay / user already exists "
                         "(use --replace to overwrite)")
    entry: dict = {"name": full_name or name, "password": password_hash, "roles": [role]}
    if districts:
        entry["districts"] = list(districts)
    usernames[name] = entry
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_password() -> str:
    """Asked twice on a terminal; one line of stdin otherwise (scripts, tests)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu / password: ")
        if getpass.getpass("Nhập lại / again: ") != first:
            raise UsersError("hai lần nhập mật khẩu không khớp / the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line.strip():
        raise UsersError("không nhận được mật khẩu trên stdin / no password on stdin")
    return line.rstrip("\r\n")


def register(sub: argparse._SubParsersAction) -> None:
    """`users add NAME --role ROLE [--district CODE …] [--full-name TEXT] [--replace]`."""
    users = sub.add_parser("users", help="manage who may sign in to the dashboard")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add a user (bcrypt-hashed password from the terminal or stdin)")
    add.add_argument("name", help="sign-in name: 2–64 characters a-z 0-9 . _ -")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--district", action="extend", nargs="+", default=[], metavar="CODE",
                     help="limit the user to these district codes (default: the whole province)")
    add.add_argument("--full-name", default=None, help="the name shown in the dashboard")
    add.add_argument("--replace", action="store_true", help="overwrite an existing user of that name")


def run(args: argparse.Namespace) -> int:
    """The `users` command; exit 2 with a message and nothing written on bad input."""
    path = target_file()
    try:
        name = args.name.strip()
        _check(name, args.role, args.district, "x" * MIN_PASSWORD)  # refuse a bad name before asking
        existing = (_read(path).get("credentials") or {}).get("usernames") or {}  # … or a broken users file
        if name in existing and not args.replace:
            raise UsersError(f"người dùng '{name}' đã có trong {path}; dùng --replace để thay / user already exists "
                             "(use --replace to overwrite)")
        password = _read_password()
        _check(name, args.role, args.district, password)
        put_user(path, name, args.role, hash_password(password), districts=args.district,
                 full_name=args.full_name, replace=args.replace)
    except UsersError as exc:
        print(f"Không thêm được người dùng / cannot add the user: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"Không ghi được / cannot write {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scope = ", ".join(args.district) if args.district else "toàn tỉnh / whole province"
    print(f"Đã thêm / added: {name} ({args.role}; {scope}) → {path}")
    return EXIT_OK

"""The dashboard's pages: file, title label, Material icon and address (SPEC §3), in menu order.

Kept apart from the router (app/main.py runs Streamlit when imported) so tests and docs can list the pages.
Who may open each page is app/auth.py PAGE_ROLES.
"""

from __future__ import annotations

PAGE_SPECS: list[tuple[str, str, str, str]] = [
    ("overview.py", "overview", "dashboard", ""),
    ("dia_ban.py", "districts_page", "map", "dia-ban"),
    ("nguon_luc.py", "resources_page", "volunteer_activism", "nguon-luc"),
    ("phu_song.py", "coverage_page", "signal_cellular_alt", "phu-song"),
    ("chat_luong_du_lieu.py", "quality_page", "fact_check", "chat-luong-du-lieu"),
    ("bao_cao_thang.py", "briefing_page", "newspaper", "bao-cao-thang"),
    ("kham_pha.py", "explore_page", "query_stats", "kham-pha"),
    ("phan_bo.py", "allocation_page", "inventory_2", "phan-bo"),
    ("tai_len.py", "upload_page", "upload_file", "tai-len"),
    ("ra_soat.py", "review_page", "task_alt", "ra-soat"),
]

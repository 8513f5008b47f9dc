"""Labels in Vietnamese (default) and English, and number/money/date formats through Babel.

Leaders read `1.234.567`, `72,6 %`, `21,4 tỷ ₫` and `dd/mm/yyyy`; the English switch gives
`1,234,567`, `72.6%`, `21.4 billion ₫`. Formatting always goes through Babel's locale data,
never string replaces.
"""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LANGS = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en_US"}

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"vi": "Sóng và máy tính cho em", "en": "Signal and computers for the kids"},
    "language": {"vi": "Ngôn ngữ", "en": "Language"},
    "overview": {"vi": "Tổng quan", "en": "Overview"},
    "as_of": {"vi": "Dữ liệu tính đến {date}, làm mới lúc {time}", "en": "Data as of {date}, refreshed {time}"},
    "no_warehouse_title": {"vi": "Chưa có kho dữ liệu", "en": "No warehouse yet"},
    "no_warehouse_body": {
        "vi": "Không tìm thấy kho dữ liệu tại `{path}`. Hãy nạp dữ liệu bằng lệnh:",
        "en": "No warehouse was found at `{path}`. Load the data with:",
    },
    "no_warehouse_demo": {"vi": "hoặc chạy bản trình diễn: `make demo`", "en": "or run the demo: `make demo`"},
    "identified": {"vi": "Học sinh cần hỗ trợ", "en": "Students in need"},
    "supported": {"vi": "Đã được hỗ trợ", "en": "Supported"},
    "remaining": {"vi": "Còn chờ hỗ trợ", "en": "Still waiting"},
    "pct_covered": {"vi": "Tỷ lệ đáp ứng nhu cầu", "en": "Share of need covered"},
    "target": {"vi": "Mục tiêu 100 %", "en": "Target 100%"},
    "gap_to_target": {"vi": "còn thiếu {gap} so với mục tiêu", "en": "{gap} short of target"},
    "devices": {"vi": "Thiết bị nhận / đã trao", "en": "Devices received / handed over"},
    "devices_received": {"vi": "Thiết bị đã nhận", "en": "Devices received"},
    "devices_handed": {"vi": "Thiết bị đã trao", "en": "Devices handed over"},
    "cash": {"vi": "Tiền mặt đã nhận", "en": "Cash received"},
    "device_equivalents": {"vi": "Quy đổi ra thiết bị", "en": "Device equivalents"},
    "coverage": {"vi": "Điểm lõm sóng đã phủ", "en": "Coverage gaps closed"},
    "schools_no_internet": {"vi": "Trường chưa có Internet", "en": "Schools without internet"},
    "of_schools": {"vi": "trên {total} trường", "en": "of {total} schools"},
    "self_resolved": {"vi": "tự trang bị: {n}", "en": "self-resolved: {n}"},
    "need_connectivity": {"vi": "cần kết nối: {n}", "en": "need a connection: {n}"},
    "trend_title": {"vi": "Tiến độ cộng dồn theo tháng", "en": "Cumulative progress by month"},
    "month": {"vi": "Tháng", "en": "Month"},
    "count": {"vi": "Số lượng", "en": "Count"},
    "cum_devices_handed_over": {"vi": "Thiết bị đã trao", "en": "Devices handed over"},
    "cum_students_supported_new": {"vi": "Học sinh được hỗ trợ", "en": "Students supported"},
    "cum_devices_received": {"vi": "Thiết bị đã nhận", "en": "Devices received"},
    "lagging_title": {"vi": "Các địa bàn xa mục tiêu nhất", "en": "Districts furthest from the target"},
    "district": {"vi": "Địa bàn", "en": "District"},
    "pct_axis": {"vi": "Tỷ lệ đáp ứng (%)", "en": "Need covered (%)"},
    "remaining_students": {"vi": "Học sinh còn chờ", "en": "Students waiting"},
    "filters": {"vi": "Bộ lọc", "en": "Filters"},
    "all": {"vi": "Tất cả", "en": "All"},
    "tier": {"vi": "Diện ưu tiên", "en": "Priority tier"},
    "school_level": {"vi": "Cấp học", "en": "School level"},
    "period": {"vi": "Giai đoạn", "en": "Period"},
    "download_csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "download_xlsx": {"vi": "Tải Excel", "en": "Download Excel"},
    "districts_page": {"vi": "Theo địa bàn", "en": "By district"},
    "resources_page": {"vi": "Nguồn lực", "en": "Resources"},
    "coverage_page": {"vi": "Phủ sóng", "en": "Coverage"},
    "quality_page": {"vi": "Chất lượng dữ liệu", "en": "Data quality"},
    "briefing_page": {"vi": "Báo cáo tháng", "en": "Monthly briefing"},
    "explore_page": {"vi": "Khám phá", "en": "Explore"},
    "this_month": {"vi": "+{n} trong tháng {month}", "en": "+{n} in {month}"},
    "need_by_tier_title": {"vi": "Nhu cầu theo địa bàn và diện ưu tiên", "en": "Need by district and priority tier"},
    "remaining_by_level_title": {"vi": "Học sinh còn chờ theo cấp học", "en": "Students waiting by school level"},
    "table_title": {"vi": "Bảng chi tiết", "en": "Detail table"},
    "drill_school": {"vi": "Xem các trường của địa bàn", "en": "Schools of a district"},
    "choose_district": {"vi": "Chọn địa bàn", "en": "Choose a district"},
    "school": {"vi": "Trường", "en": "School"},
    "surveyed": {"vi": "Đã khảo sát", "en": "Surveyed"},
    "completeness_title": {"vi": "Tỷ lệ trường đã gửi khảo sát theo đợt",
                           "en": "Schools that sent their survey, by round"},
    "completeness_help": {
        "vi": "Trường chưa gửi khảo sát là điểm mù, không phải bằng không (\"không sót đối tượng\").",
        "en": "A school that never reported is a blind spot, not a zero.",
    },
    "round": {"vi": "Đợt khảo sát", "en": "Survey round"},
    "donations_title": {"vi": "Ủng hộ theo loại nhà tài trợ", "en": "Donations by donor type"},
    "received": {"vi": "Đã nhận", "en": "Received"},
    "pledged": {"vi": "Cam kết", "en": "Pledged"},
    "cash_trend_title": {"vi": "Tiền và thiết bị nhận theo tháng", "en": "Cash and devices received by month"},
    "devices_title": {"vi": "Thiết bị theo loại và tình trạng", "en": "Devices by type and condition"},
    "failed_inspection": {"vi": "Không đạt kiểm định", "en": "Failed inspection"},
    "honour_roll": {"vi": "Bảng vàng nhà hảo tâm", "en": "Honour roll of donors"},
    "donor": {"vi": "Đơn vị, cá nhân", "en": "Donor"},
    "data_packages": {"vi": "Gói cước", "en": "Data packages"},
    "money_vnd": {"vi": "Số tiền (₫)", "en": "Amount (₫)"},
    "points_by_status_title": {"vi": "Điểm lõm sóng theo trạng thái", "en": "Coverage gaps by status"},
    "points_by_operator_title": {"vi": "Điểm lõm sóng theo doanh nghiệp", "en": "Coverage gaps by operator"},
    "overdue": {"vi": "Quá hạn", "en": "Overdue"},
    "students_uncovered": {"vi": "Học sinh sống ở điểm chưa có sóng", "en": "Children living where there is no signal"},
    "overdue_points": {"vi": "Điểm quá hạn (tính đến {date})", "en": "Overdue points (as of {date})"},
    "point": {"vi": "Điểm", "en": "Point"},
    "operator": {"vi": "Doanh nghiệp", "en": "Operator"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "planned_on": {"vi": "Hạn hoàn thành", "en": "Planned"},
    "issues_title": {"vi": "Vấn đề theo loại", "en": "Issues by type"},
    "rejected_title": {"vi": "Dòng bị loại và lý do", "en": "Rejected rows and reasons"},
    "expectations_title": {"vi": "Kết quả kiểm tra (Great Expectations)",
                           "en": "Expectation results (Great Expectations)"},
    "data_docs": {"vi": "Mở báo cáo Data Docs", "en": "Open the Data Docs report"},
    "data_docs_officers_only": {"vi": "Báo cáo Data Docs (có dữ liệu cá nhân) chỉ dành cho cán bộ dữ liệu.",
                                "en": "The Data Docs report (it holds personal data) is for data officers only."},
    "freshness_title": {"vi": "Độ mới dữ liệu", "en": "Freshness"},
    "files": {"vi": "Số tệp", "en": "Files"},
    "rows": {"vi": "Số dòng", "en": "Rows"},
    "issue_type": {"vi": "Loại vấn đề", "en": "Issue type"},
    "kind": {"vi": "Loại tệp", "en": "File kind"},
    "dimensions": {"vi": "Chiều phân tích", "en": "Dimensions"},
    "measures": {"vi": "Chỉ tiêu", "en": "Measures"},
    "month_pick": {"vi": "Tháng báo cáo", "en": "Report month"},
    "handed_this_month": {"vi": "Thiết bị trao trong tháng", "en": "Devices handed over this month"},
    "handed_cumulative": {"vi": "Lũy kế thiết bị đã trao", "en": "Devices handed over, cumulative"},
    "cash_this_month": {"vi": "Tiền nhận trong tháng", "en": "Cash received this month"},
    "supported_this_month": {"vi": "Học sinh được hỗ trợ mới", "en": "Students newly supported"},
    "vs_previous": {"vi": "{delta} so với tháng trước", "en": "{delta} vs previous month"},
    "allocation_page": {"vi": "Phân bổ", "en": "Allocation"},
    "stock": {"vi": "Nguồn có thể phân bổ", "en": "Stock to allocate"},
    "stock_help": {"vi": "= quy đổi thiết bị {eq} − đã trao {handed}",
                   "en": "= device equivalents {eq} − handed {handed}"},
    "devices_in_hand": {"vi": "Thiết bị còn trong kho", "en": "Devices in hand"},
    "cash_not_spent": {"vi": "Tiền chưa sử dụng", "en": "Cash not yet spent"},
    "what_if": {"vi": "Giả định số thiết bị sẽ có", "en": "What if we had this many devices"},
    "proposed_total": {"vi": "Số thiết bị đề xuất", "en": "Devices proposed"},
    "proposed": {"vi": "Đề xuất", "en": "Proposed"},
    "still_waiting": {"vi": "Vẫn còn chờ", "en": "Still waiting"},
    "allocation_title": {"vi": "Đề xuất phân bổ theo địa bàn", "en": "Proposal by district"},
    "by_school": {"vi": "Theo trường", "en": "By school"},
    "refresh_log_title": {"vi": "Nhật ký làm mới dữ liệu", "en": "Refresh log"},
    "build_pack": {"vi": "Tạo bộ báo cáo để xem (Excel, PDF) — chưa công bố",
                   "en": "Build the pack to review (Excel, PDF) — does not publish"},
    "allocation_xlsx_title": {"vi": "ĐỀ XUẤT PHÂN BỔ {n} THIẾT BỊ — Chương trình \"Sóng và máy tính cho em\"",
                              "en": "PROPOSED ALLOCATION OF {n} DEVICES — \"Signal and computers for the kids\""},
    "sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "username": {"vi": "Tên đăng nhập", "en": "Username"},
    "password": {"vi": "Mật khẩu", "en": "Password"},
    "wrong_password": {"vi": "Sai tên đăng nhập hoặc mật khẩu", "en": "Wrong username or password"},
    "sign_in_failed": {"vi": "Không đăng nhập được", "en": "Sign-in failed"},
    "demo_users": {"vi": "Bản trình diễn: lanhdao / lanhdao-demo · phantich / phantich-demo · canbo / canbo-demo",
                   "en": "Demo: lanhdao / lanhdao-demo · phantich / phantich-demo · canbo / canbo-demo"},
    "role_lanh_dao": {"vi": "Lãnh đạo", "en": "Leader"},
    "role_phan_tich": {"vi": "Chuyên viên phân tích", "en": "Analyst"},
    "role_can_bo_du_lieu": {"vi": "Cán bộ dữ liệu", "en": "Data officer"},
    "forbidden": {"vi": "Vai trò {role} không được xem trang này.", "en": "The {role} role may not see this page."},
    "upload_page": {"vi": "Tải dữ liệu lên", "en": "Upload data"},
    "upload_where": {"vi": "Tệp được lưu vào thư mục nguồn `{source}` (tối đa {limit} MB mỗi tệp, chỉ .csv và .xlsx); "
                           "kho dữ liệu: `{db}`.",
                     "en": "Files are stored in the source folder `{source}` (at most {limit} MB each, .csv and .xlsx "
                           "only); warehouse: `{db}`."},
    "upload_drop": {"vi": "Kéo thả hoặc chọn một hay nhiều tệp CSV / XLSX",
                    "en": "Drop or choose one or more CSV / XLSX files"},
    "upload_nothing_yet": {"vi": "Chưa có gì được nhận: hãy xem báo cáo kiểm tra của từng tệp rồi bấm Chấp nhận.",
                           "en": "Nothing is accepted yet: read each file's validation report, then press Accept."},
    "report_title": {"vi": "Báo cáo kiểm tra", "en": "Validation report"},
    "kind_from_prefix": {"vi": "theo tên tệp", "en": "from the file name"},
    "kind_from_headers": {"vi": "theo tiêu đề cột", "en": "from the headers"},
    "kind_from_chosen": {"vi": "do bạn chọn", "en": "chosen by you"},
    "detected": {"vi": "Loại tệp: **{kind}** ({how}) · bảng mã: **{encoding}** · dấu phân cách: **{delimiter}**",
                 "en": "Kind: **{kind}** ({how}) · encoding: **{encoding}** · delimiter: **{delimiter}**"},
    "ask_kind": {"vi": "Không xác định được loại tệp từ tên hay tiêu đề cột. Đây là loại tệp nào?",
                 "en": "The kind cannot be told from the name or the headers. Which kind is this file?"},
    "ask_kind_fits": {"vi": "Tiêu đề cột phù hợp với: {kinds}", "en": "The headers fit: {kinds}"},
    "rows_read": {"vi": "Dòng đọc được", "en": "Rows read"},
    "rows_would_load": {"vi": "Dòng sẽ nạp", "en": "Rows that would load"},
    "rows_would_reject": {"vi": "Dòng sẽ bị loại", "en": "Rows that would be rejected"},
    "conflicts": {"vi": "Mã xung đột", "en": "Conflicting ids"},
    "conflicts_metric_help": {"vi": "Mã đã có trong kho với nội dung khác: tệp sẽ thay đổi bản ghi cũ",
                              "en": "Ids already in the warehouse with other content: the file would change them"},
    "duplicates_created": {"vi": "Trùng lặp sẽ tạo", "en": "Duplicates it would create"},
    "already_present": {"vi": "Dòng đã có sẵn", "en": "Already present"},
    "already_present_help": {"vi": "Giống hệt dữ liệu đã có: không thay đổi gì",
                             "en": "Identical to what is already there: no effect"},
    "choose": {"vi": "Chọn…", "en": "Choose…"},
    "col_line": {"vi": "Dòng", "en": "Line"},
    "col_column": {"vi": "Cột", "en": "Column"},
    "col_value": {"vi": "Giá trị", "en": "Value"},
    "col_reason": {"vi": "Lý do", "en": "Reason"},
    "col_id": {"vi": "Mã", "en": "Id"},
    "col_existing_value": {"vi": "Giá trị hiện có", "en": "Current value"},
    "col_new_value": {"vi": "Giá trị mới", "en": "New value"},
    "col_existing_file": {"vi": "Tệp hiện có", "en": "Current file"},
    "col_existing_line": {"vi": "Dòng hiện có", "en": "Current line"},
    "col_wins": {"vi": "Bản mới được dùng", "en": "New version wins"},
    "col_issue_type": {"vi": "Loại vấn đề", "en": "Issue type"},
    "col_key": {"vi": "Khoá", "en": "Key"},
    "col_lines": {"vi": "Dòng trong tệp", "en": "Lines in the file"},
    "col_existing": {"vi": "Đã có tại", "en": "Already at"},
    "header_mapping": {"vi": "Ánh xạ tiêu đề cột", "en": "Header mapping"},
    "header_as_written": {"vi": "Tiêu đề trong tệp", "en": "Header in the file"},
    "canonical_column": {"vi": "Cột chuẩn", "en": "Canonical column"},
    "ignored_headers": {"vi": "Cột bị bỏ qua (không thuộc mẫu): {names}", "en": "Columns ignored (unknown): {names}"},
    "rejected_first": {"vi": "{shown} dòng đầu trong {total} dòng sẽ bị loại (tải về để xem tất cả)",
                       "en": "First {shown} of {total} rows that would be rejected (download for all)"},
    "conflicts_title": {"vi": "Mã đã có với nội dung khác (xung đột)", "en": "Ids already present with other content "
                                                                           "(conflicts)"},
    "conflicts_help": {"vi": "Bản được nạp sau cùng (theo thứ tự tên tệp) sẽ được dùng; cột \"wins\" cho biết bản "
                             "mới có thay thế bản cũ hay không.",
                       "en": "The version loaded last (in file-name order) is used; \"wins\" says whether the new "
                             "version replaces the old one."},
    "duplicates_title": {"vi": "Trùng lặp tệp này sẽ tạo", "en": "Duplicates this file would create"},
    "missing_columns": {"vi": "Thiếu cột bắt buộc. Tên cột được chấp nhận:", "en": "Required columns are missing. "
                                                                                  "Accepted header names:"},
    "accepted_names": {"vi": "Tên cột được chấp nhận", "en": "Accepted header names"},
    "refused": {"vi": "Tệp bị từ chối", "en": "File refused"},
    "warn_macro": {"vi": "Tệp Excel có macro: macro bị bỏ qua, không bao giờ chạy.",
                   "en": "The workbook has macros: they are ignored, never run."},
    "warn_external_link": {"vi": "Tệp Excel có liên kết ngoài: không được theo.",
                           "en": "The workbook links to other workbooks: the links are not followed."},
    "warn_no_warehouse": {"vi": "Chưa có kho dữ liệu: chỉ so với danh mục huyện có sẵn.",
                          "en": "No warehouse yet: compared with the built-in district list only."},
    "as_of_input": {"vi": "Ngày tính số liệu (as-of) của lần làm mới", "en": "Reporting date (as-of) of the refresh"},
    "accept": {"vi": "Chấp nhận {n} tệp và làm mới dữ liệu", "en": "Accept {n} file(s) and refresh"},
    "accepted": {"vi": "Đã lưu: {names}. Đang làm mới dữ liệu…", "en": "Stored: {names}. Refreshing…"},
    "refresh_busy": {"vi": "Một lần làm mới khác đang chạy: lần làm mới của bạn sẽ chờ đến lượt.",
                     "en": "Another refresh is running: yours will wait its turn."},
    "refresh_running": {"vi": "Đang làm mới dữ liệu ({step})…", "en": "Refreshing the data ({step})…"},
    "refresh_waiting": {"vi": "Đang chờ một lần làm mới khác kết thúc…",
                        "en": "Waiting for another refresh to finish…"},
    "step_start": {"vi": "khởi động", "en": "starting"},
    "step_waiting": {"vi": "chờ đến lượt", "en": "waiting"},
    "step_ingest": {"vi": "đọc và kiểm tra tệp", "en": "reading and checking files"},
    "step_dbt": {"vi": "tính các bảng số liệu", "en": "building the tables"},
    "step_checks": {"vi": "kiểm tra chất lượng dữ liệu", "en": "data-quality checks"},
    "refresh_done": {"vi": "Làm mới xong lúc {time} (tính đến {date}). Số liệu mới:",
                     "en": "Refresh finished at {time} (as of {date}). New figures:"},
    "refresh_failed": {"vi": "Làm mới thất bại — kho dữ liệu cũ vẫn được giữ nguyên.",
                       "en": "The refresh failed — the previous warehouse stays in place."},
    "refresh_log": {"vi": "Nhật ký lần làm mới", "en": "Refresh log"},
    "rejected_rows_short": {"vi": "Dòng bị loại", "en": "Rows rejected"},
    "source_files": {"vi": "Tệp trong thư mục nguồn", "en": "Files in the source folder"},
    "file": {"vi": "Tệp", "en": "File"},
    "size_bytes": {"vi": "Dung lượng (byte)", "en": "Size (bytes)"},
    "modified": {"vi": "Sửa lúc", "en": "Modified"},
    "withdraw_pick": {"vi": "Rút một tệp khỏi thư mục nguồn (chuyển sang `{folder}`, không xoá)",
                      "en": "Withdraw a file from the source folder (moved to `{folder}`, never deleted)"},
    "withdraw": {"vi": "Rút tệp và làm mới dữ liệu", "en": "Withdraw and refresh"},
    "withdrawn": {"vi": "Đã rút {name} (chuyển sang {target}). Đang làm mới dữ liệu…",
                  "en": "Withdrew {name} (moved to {target}). Refreshing…"},
    "events_title": {"vi": "Lịch sử tải lên và rút tệp", "en": "Uploads and withdrawals"},
    "event": {"vi": "Sự kiện", "en": "Event"},
    "user": {"vi": "Người thực hiện", "en": "User"},
    "when": {"vi": "Thời điểm", "en": "When"},
    "event_upload": {"vi": "Tải lên", "en": "Upload"},
    "event_withdraw": {"vi": "Rút tệp", "en": "Withdrawal"},
    "no_source_files": {"vi": "Thư mục nguồn chưa có tệp nào.", "en": "The source folder has no files yet."},
    "dq_caveat": {
        "vi": "Chất lượng dữ liệu: {rejected} dòng bị loại, {issues} vấn đề cần xử lý.",
        "en": "Data quality: {rejected} rows rejected, {issues} issues to resolve.",
    },
    # --- issue 21, sign-in and sessions (h/auth) ---
    "locked_out": {"vi": "Tài khoản tạm khóa vì nhập sai mật khẩu {n} lần trong {w} phút; thử lại sau {until}.",
                   "en": "This account is locked after {n} wrong passwords within {w} minutes; try again after "
                         "{until}."},
    "no_users": {"vi": "Chưa có người dùng nào được cấu hình. Quản trị viên thêm người dùng bằng lệnh "
                       "`python -m warehouse users add TÊN --role VAI_TRÒ` (lanh_dao, phan_tich, can_bo_du_lieu), "
                       "xem SECURITY.md.",
                 "en": "No user is configured. An administrator adds users with "
                       "`python -m warehouse users add NAME --role ROLE` (lanh_dao, phan_tich, can_bo_du_lieu), "
                       "see SECURITY.md."},
    # issue 21 points 6 and 9 (h/audit): publishing is a separate, confirmed act
    "publish_title": {"vi": "Công bố số liệu tháng", "en": "Publish this month's figures"},
    "publish_confirm": {"vi": "Tôi xác nhận công bố số liệu tháng {month} (được ghi lại và ghi vào nhật ký kiểm toán)",
                        "en": "I confirm publishing the figures of {month} (recorded and audit-logged)"},
    "publish_button": {"vi": "Công bố số liệu tháng {month}", "en": "Publish the figures of {month}"},
    "published_done": {"vi": "Đã công bố số liệu tháng {month} ({user}).",
                       "en": "The figures of {month} are published ({user})."},
    # --- issue 21 point 4 (district scope, h/reporting) ---
    "province_only": {
        "vi": "Nguồn lực ủng hộ là của toàn tỉnh, không hiển thị theo địa bàn được phân quyền.",
        "en": "Donations are the whole province's resources; they are not shown for a district-limited account.",
    },
    # --- issue 21, point 7 and upload scope (helper "guard"): trial build, held reasons, scoped uploads ---
    "impact_title": {"vi": "Kiểm tra tác động", "en": "Check the impact"},
    "impact_help": {"vi": "Chạy thử một lần làm mới với các tệp này: không công bố gì, thư mục nguồn không đổi. "
                          "Xem số liệu trước → sau rồi mới chấp nhận.",
                    "en": "Run a trial refresh with these files: nothing is published, the source folder is not "
                          "changed. See the figures before → after, then accept."},
    "impact_run": {"vi": "Chạy thử và xem tác động", "en": "Run a trial and see the impact"},
    "impact_running": {"vi": "Đang chạy thử ({step})…", "en": "Trial build running ({step})…"},
    "impact_failed": {"vi": "Chạy thử thất bại:", "en": "The trial build failed:"},
    "impact_needed": {"vi": "Hãy chạy thử và xem tác động trước khi chấp nhận.",
                      "en": "Run the trial and see the impact before accepting."},
    "impact_figure": {"vi": "Chỉ số", "en": "Figure"},
    "impact_before": {"vi": "Trước", "en": "Before"},
    "impact_after": {"vi": "Sau", "en": "After"},
    "dq_issues_short": {"vi": "Vấn đề dữ liệu", "en": "Data issues"},
    "impact_ok": {"vi": "Không có dấu hiệu mất số liệu: có thể chấp nhận.",
                  "en": "No sign of lost figures: ready to accept."},
    "impact_held": {"vi": "Cảnh báo: lần làm mới này sẽ bị giữ lại (không công bố) vì:",
                    "en": "Warning: this refresh would be held (not published) because:"},
    "impact_confirm": {"vi": "Tôi đã xem và xác nhận các thay đổi trên là đúng ý (vẫn công bố dù số liệu giảm)",
                       "en": "I have read the above and confirm these changes are intended (publish despite the drop)"},
    "accept_failed": {"vi": "Không lưu được các tệp — không tệp nào được thêm vào thư mục nguồn:",
                      "en": "The files could not be stored — none was added to the source folder:"},
    "refresh_failed_files_stay": {
        "vi": "Các tệp đã lưu vẫn nằm trong thư mục nguồn: hãy rút chúng ra, hoặc sửa và tải lên lại.",
        "en": "The stored files stay in the source folder: withdraw them, or fix them and upload again."},
    "districts_province_only": {"vi": "Danh mục huyện chỉ do cấp tỉnh tải lên (tài khoản của bạn giới hạn ở {codes}).",
                                "en": "Only province-level users may upload a districts file (your account is "
                                      "limited to {codes})."},
    "scope_caption": {"vi": "Tài khoản của bạn giới hạn ở các huyện {codes}: dòng của huyện khác trong tệp tải lên "
                            "sẽ bị loại.",
                      "en": "Your account is limited to districts {codes}: rows of other districts in an upload "
                            "are rejected."},
    "scope_col": {"vi": "Địa bàn", "en": "Districts"},
    "scope_province": {"vi": "toàn tỉnh", "en": "province"},
    "publish_anyway": {"vi": "Vẫn công bố lần làm mới này", "en": "Publish this refresh anyway"},
    # --- issue 23 point 1 (h/words): table headings, one per column name, used by ui.readable on every page and
    # in every CSV / XLSX download; the input columns (rejected rows' "column") read the same way
    "col_district_code": {"vi": "Mã huyện", "en": "District code"},
    "col_district_name": {"vi": "Địa bàn", "en": "District"},
    "col_province_code": {"vi": "Mã tỉnh", "en": "Province code"},
    "col_province_name": {"vi": "Tỉnh", "en": "Province"},
    "col_priority_tier": {"vi": "Diện ưu tiên", "en": "Priority tier"},
    "col_school_level": {"vi": "Cấp học", "en": "School level"},
    "col_school_code": {"vi": "Mã trường", "en": "School code"},
    "col_school_name": {"vi": "Tên trường", "en": "School"},
    "col_school_type": {"vi": "Loại trường", "en": "School type"},
    "col_has_internet": {"vi": "Có kết nối Internet", "en": "Has internet"},
    "col_in_coverage_gap": {"vi": "Vùng lõm sóng", "en": "In a coverage gap"},
    "col_students_surveyed": {"vi": "Học sinh đã khảo sát", "en": "Students surveyed"},
    "col_students_identified": {"vi": "Học sinh cần hỗ trợ", "en": "Students in need"},
    "col_students_supported": {"vi": "Đã được hỗ trợ", "en": "Supported"},
    "col_students_self_resolved": {"vi": "Tự trang bị", "en": "Self-resolved"},
    "col_students_remaining": {"vi": "Còn chờ hỗ trợ", "en": "Still waiting"},
    "col_students_need_connectivity": {"vi": "Cần kết nối", "en": "Need a connection"},
    "col_students_still_waiting_after": {"vi": "Vẫn còn chờ sau phân bổ", "en": "Still waiting after allocation"},
    "col_pct_covered": {"vi": "Tỷ lệ đáp ứng", "en": "Need covered"},
    "col_pct_reported": {"vi": "Tỷ lệ trường đã gửi", "en": "Schools reported"},
    "col_surveyed": {"vi": "Đã khảo sát", "en": "Surveyed"},
    "col_identified": {"vi": "Cần hỗ trợ", "en": "In need"},
    "col_supported": {"vi": "Đã được hỗ trợ", "en": "Supported"},
    "col_remaining": {"vi": "Còn chờ hỗ trợ", "en": "Still waiting"},
    "col_devices_proposed": {"vi": "Thiết bị đề xuất", "en": "Devices proposed"},
    "col_donor_name": {"vi": "Đơn vị, cá nhân", "en": "Donor"},
    "col_donor_type": {"vi": "Loại nhà tài trợ", "en": "Donor type"},
    "col_donor_fold": {"vi": "Tên đơn vị ủng hộ (chuẩn hoá)", "en": "Donor name (folded)"},
    "col_cash_received_vnd": {"vi": "Tiền mặt đã nhận (₫)", "en": "Cash received (₫)"},
    "col_cash_pledged_vnd": {"vi": "Tiền mặt cam kết (₫)", "en": "Cash pledged (₫)"},
    "col_devices_received": {"vi": "Thiết bị đã nhận", "en": "Devices received"},
    "col_devices_handed_over": {"vi": "Thiết bị đã trao", "en": "Devices handed over"},
    "col_data_packages_received": {"vi": "Gói cước đã nhận", "en": "Data packages received"},
    "col_donation_id": {"vi": "Mã ủng hộ", "en": "Donation id"},
    "col_form": {"vi": "Hình thức ủng hộ", "en": "Form"},
    "col_received_on": {"vi": "Ngày nhận", "en": "Received on"},
    "col_pledged_on": {"vi": "Ngày cam kết", "en": "Pledged on"},
    "col_amount_vnd": {"vi": "Số tiền (₫)", "en": "Amount (₫)"},
    "col_device_type": {"vi": "Loại thiết bị", "en": "Device type"},
    "col_quantity": {"vi": "Số lượng", "en": "Quantity"},
    "col_condition": {"vi": "Tình trạng", "en": "Condition"},
    "col_inspection_passed": {"vi": "Đạt kiểm định", "en": "Inspection passed"},
    "col_handover_id": {"vi": "Mã bàn giao", "en": "Handover id"},
    "col_handovers": {"vi": "Số lượt bàn giao", "en": "Handovers"},
    "col_handed_on": {"vi": "Ngày bàn giao", "en": "Handed over on"},
    "col_serial_number": {"vi": "Số serial", "en": "Serial number"},
    "col_includes_connectivity": {"vi": "Kèm SIM", "en": "Includes connectivity"},
    "col_record_no": {"vi": "Số biên bản", "en": "Record number"},
    "col_on_need_list": {"vi": "Có trong danh sách cần hỗ trợ", "en": "On the need list"},
    "col_donation_found": {"vi": "Có khoản ủng hộ", "en": "Donation found"},
    "col_survey_round": {"vi": "Đợt khảo sát", "en": "Survey round"},
    "col_student_id": {"vi": "Mã học sinh", "en": "Student id"},
    "col_student_key": {"vi": "Khoá học sinh", "en": "Student key"},
    "col_full_name": {"vi": "Họ và tên", "en": "Full name"},
    "col_name_fold": {"vi": "Họ và tên (chuẩn hoá)", "en": "Name (folded)"},
    "col_date_of_birth": {"vi": "Ngày sinh", "en": "Date of birth"},
    "col_gender": {"vi": "Giới tính", "en": "Gender"},
    "col_grade": {"vi": "Lớp", "en": "Grade"},
    "col_household_status": {"vi": "Hoàn cảnh", "en": "Household status"},
    "col_covid_orphan": {"vi": "Mồ côi do COVID-19", "en": "COVID-19 orphan"},
    "col_has_device": {"vi": "Đã có thiết bị", "en": "Has a device"},
    "col_surveyed_on": {"vi": "Ngày khảo sát", "en": "Surveyed on"},
    "col_point_id": {"vi": "Mã điểm", "en": "Point id"},
    "col_point_name": {"vi": "Thôn, bản", "en": "Village"},
    "col_commune_name": {"vi": "Xã", "en": "Commune"},
    "col_operator": {"vi": "Doanh nghiệp", "en": "Operator"},
    "col_technology": {"vi": "Công nghệ", "en": "Technology"},
    "col_status": {"vi": "Trạng thái", "en": "Status"},
    "col_planned_on": {"vi": "Hạn hoàn thành", "en": "Planned"},
    "col_completed_on": {"vi": "Ngày hoàn thành", "en": "Completed on"},
    "col_has_completed_on": {"vi": "Có ngày hoàn thành", "en": "Has a completion date"},
    "col_households": {"vi": "Số hộ", "en": "Households"},
    "col_students": {"vi": "Số học sinh", "en": "Students"},
    "col_entity": {"vi": "Loại tệp", "en": "File kind"},
    "col_kind": {"vi": "Loại tệp", "en": "File kind"},
    "col_record_key": {"vi": "Mã bản ghi", "en": "Record key"},
    "col_detail": {"vi": "Chi tiết", "en": "Detail"},
    "col_source_file": {"vi": "Tệp nguồn", "en": "Source file"},
    "col_source_line": {"vi": "Dòng", "en": "Line"},
    "col_column_name": {"vi": "Cột", "en": "Column"},
    "col_reason_code": {"vi": "Lý do", "en": "Reason"},
    "col_run_at": {"vi": "Chạy lúc", "en": "Run at"},
    "col_suite": {"vi": "Bộ kiểm tra", "en": "Suite"},
    "col_expectation_type": {"vi": "Quy tắc kiểm tra", "en": "Check"},
    "col_columns": {"vi": "Cột", "en": "Columns"},
    "col_success": {"vi": "Đạt", "en": "Passed"},
    "col_element_count": {"vi": "Số dòng kiểm tra", "en": "Rows checked"},
    "col_unexpected_count": {"vi": "Số dòng không đạt", "en": "Rows failing"},
    "col_observed_value": {"vi": "Giá trị quan sát", "en": "Observed value"},
    "col_files": {"vi": "Số tệp", "en": "Files"},
    "col_file_names": {"vi": "Các tệp", "en": "Files read"},
    "col_rows": {"vi": "Số dòng", "en": "Rows"},
    "col_last_file": {"vi": "Tệp mới nhất", "en": "Latest file"},
    "col_seq": {"vi": "Lần", "en": "Run"},
    "col_started_at": {"vi": "Bắt đầu", "en": "Started"},
    "col_ended_at": {"vi": "Kết thúc", "en": "Ended"},
    "col_outcome": {"vi": "Kết quả", "en": "Outcome"},
    "col_as_of": {"vi": "Ngày tính số liệu", "en": "As of"},
    "col_message": {"vi": "Thông báo", "en": "Message"},
    "col_month": {"vi": "Tháng", "en": "Month"},
    "col_size": {"vi": "Số lượng", "en": "Count"},
    # chart and page words of issue 23 point 1 / point 3 (h/words)
    "rejects_over_time_title": {"vi": "Dòng bị loại và vấn đề theo lần làm mới",
                                "en": "Rejected rows and issues by refresh"},
    "issues_by_file_title": {"vi": "Vấn đề và dòng bị loại theo tệp nguồn",
                             "en": "Issues and rejected rows by source file"},
    "rejected_rows_series": {"vi": "Dòng bị loại", "en": "Rejected rows"},
    "issues_series": {"vi": "Vấn đề", "en": "Issues"},
}


def lang() -> str:
    """The current language: the `lang` query parameter (so a link keeps it), else Vietnamese."""
    value = st.query_params.get("lang", "vi")
    return value if value in LANGS else "vi"


def t(key: str, **values: object) -> str:
    text = LABELS[key][lang()]
    return text.format(**values) if values else text


def number(value: float | int | None) -> str:
    if value is None:
        return "–"
    return format_decimal(value, locale=LOCALES[lang()], decimal_quantization=False)


def percent(ratio: float | None) -> str:
    """A ratio in [0, 1] as `72,6 %` (vi) or `72.6%` (en), one decimal."""
    if ratio is None:
        return "–"
    return format_percent(ratio, format="#,##0.0 %" if lang() == "vi" else "#,##0.0%", locale=LOCALES[lang()])


def money(vnd: int | None) -> str:
    """Full amount: `1.234.567 ₫`."""
    if vnd is None:
        return "–"
    return f"{format_decimal(vnd, locale=LOCALES[lang()])} ₫"


def money_short(vnd: int | None) -> str:
    """Headline-card amount: `21,4 tỷ ₫` / `350 triệu ₫` (en: `21.4 billion ₫`)."""
    if vnd is None:
        return "–"
    units = (("tỷ", "billion", 1e9), ("triệu", "million", 1e6))
    for vi, en, size in units:
        if abs(vnd) >= size:
            figure = format_decimal(round(vnd / size, 1), format="#,##0.#", locale=LOCALES[lang()])
            return f"{figure} {vi if lang() == 'vi' else en} ₫"
    return money(vnd)


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return format_date(value, "dd/MM/yyyy", locale=LOCALES[lang()])


def clock(value: datetime | None) -> str:
    if value is None:
        return "–"
    return format_datetime(value, "HH:mm dd/MM/yyyy", locale=LOCALES[lang()])

/**
 * Every string the console shows, Vietnamese first. `t(key)` picks the chosen language; the
 * choice is remembered in localStorage. Server messages already carry both languages and are
 * shown as they come.
 */
const STRINGS = {
  appTitle: ['Bảng điều khiển màn hình iHanoi', 'iHanoi screen console'],
  login: ['Đăng nhập', 'Log in'],
  logout: ['Đăng xuất', 'Log out'],
  username: ['Tên đăng nhập', 'User name'],
  password: ['Mật khẩu', 'Password'],
  loginFailed: ['Không đăng nhập được', 'Could not log in'],
  changePassword: ['Đổi mật khẩu', 'Change your password'],
  changePasswordHelp: [
    'Bạn đang dùng mật khẩu dùng một lần. Hãy đặt mật khẩu mới (ít nhất 12 ký tự) trước khi tiếp tục.',
    'You signed in with a one-time password. Choose a new one (at least 12 characters) to continue.',
  ],
  currentPassword: ['Mật khẩu hiện tại', 'Current password'],
  newPassword: ['Mật khẩu mới', 'New password'],
  repeatPassword: ['Nhập lại mật khẩu mới', 'New password again'],
  passwordsDiffer: ['Hai mật khẩu mới không giống nhau.', 'The two new passwords differ.'],
  language: ['English', 'Tiếng Việt'],
  loading: ['Đang tải…', 'Loading…'],
  save: ['Lưu', 'Save'],
  saved: ['Đã lưu', 'Saved'],
  cancel: ['Huỷ', 'Cancel'],
  errorPrefix: ['Lỗi', 'Error'],
  retry: ['Thử lại', 'Try again'],
  liveConnecting: ['Đang kết nối cập nhật trực tiếp…', 'Connecting live updates…'],
  liveOn: [
    'Trạng thái cập nhật trực tiếp, không cần tải lại trang.',
    'Status updates live; no need to reload.',
  ],
  liveLost: ['Mất cập nhật trực tiếp; đang kết nối lại…', 'Live updates lost; reconnecting…'],
  offlineSince: ['từ', 'since'],
  since: ['từ', 'since'],
  cacheDisk: ['Bộ nhớ đệm & ổ đĩa', 'Cache & disk'],
  cacheShort: ['Video', 'Media'],
  diskFree: ['Ổ đĩa trống', 'Disk free'],
  playerVersion: ['Phiên bản', 'Version'],
  warnings: ['Cảnh báo', 'Warnings'],
  actions: ['Thao tác', 'Actions'],
  screenshot: ['Chụp màn hình', 'Screenshot'],
  shotWaiting: ['đang chờ ảnh từ màn hình…', 'waiting for the screen…'],
  shotTaken: ['ảnh chụp lúc', 'taken at'],
  shotFailed: ['không chụp được', 'no screenshot'],
  shotAlt: ['Ảnh chụp màn hình', 'Screenshot of'],
  fixFields: ['Chưa lưu: hãy sửa các ô có ghi chú lỗi.', 'Not saved: fix the fields with an error note.'],
  retrying: ['Đang thử lại…', 'Trying again…'],
  noData: ['Chưa có dữ liệu', 'No data yet'],
  noCampaign: ['Chưa có chiến dịch nào.', 'There is no campaign yet.'],

  navOverview: ['Tổng quan', 'Overview'],
  navCampaign: ['Chiến dịch', 'Campaign'],
  navSites: ['Điểm đặt & màn hình', 'Sites & screens'],
  navFrequency: ['Tần suất', 'Frequency'],
  navReports: ['Báo cáo', 'Reports'],
  navAudit: ['Nhật ký thao tác', 'Audit log'],
  navNotifications: ['Thông báo', 'Notifications'],
  alertEmail: ['E-mail nhận cảnh báo', 'E-mail for alerts'],
  alertEmailHelp: [
    'Cảnh báo màn hình mất kết nối, chậm lịch phát và bản tin hằng ngày được gửi tới địa chỉ này.',
    'Alerts (screen offline, behind plan) and the daily digest are sent to this address.',
  ],
  noNotifications: ['Chưa có thông báo nào.', 'No notifications yet.'],
  emailed: ['đã gửi e-mail', 'e-mailed'],
  markRead: ['Đánh dấu đã đọc', 'Mark as read'],

  role_campaign_manager: ['Quản lý chiến dịch', 'Campaign manager'],
  role_office_head: ['Thủ trưởng đơn vị', 'Office head'],
  role_venue_staff: ['Nhân viên điểm đặt', 'Venue staff'],
  role_auditor: ['Kiểm toán viên', 'Auditor'],
  role_comms_editor: ['Biên tập viên truyền thông', 'Communications editor'],
  role_comms_approver: ['Người phê duyệt tin', 'Communications approver'],

  online: ['Trực tuyến', 'Online'],
  offline: ['Mất kết nối', 'Offline'],
  unpaired: ['Chưa ghép nối', 'Not paired'],
  revoked: ['Đã thu hồi', 'Revoked'],
  screensTitle: ['Màn hình', 'Screens'],
  todayPlays: ['Lượt phát hôm nay', "Today's plays"],
  achieved: ['Đã phát', 'Played'],
  planned: ['Theo lịch', 'Planned'],
  target: ['Chỉ tiêu', 'Target'],
  due: ['Chỉ tiêu đến hiện tại', 'Due so far'],
  targetFullDay: ['Chỉ tiêu cả ngày', "Whole day's target"],
  byDistrict: ['Theo quận/huyện', 'By district'],
  byVenueType: ['Theo loại địa điểm', 'By venue type'],
  compliance: ['Tỷ lệ đạt', 'Compliance'],
  unverified: ['Chưa xác minh', 'Unverified'],
  unverifiedHelp: [
    'Lượt phát có chuỗi băm lỗi khi tải lên: tính riêng, không tính vào lượt phát và tỷ lệ đạt.',
    'Plays whose hash chain failed the check at upload: counted apart, not in plays or compliance.',
  ],
  plays: ['Lượt phát', 'Plays'],
  peakShare: ['Tỷ trọng giờ cao điểm', 'Peak-hour share'],
  shortfall: ['Thiếu', 'Shortfall'],
  shortfallOffline: ['Thiếu do mất kết nối', 'Shortfall while offline'],
  shortfallOther: ['Thiếu do lý do khác', 'Shortfall, other causes'],
  offlineMinutes: ['Phút mất kết nối (giờ mở cửa)', 'Offline minutes (open hours)'],
  silentHours: ['Giờ không hoạt động', 'Silent hours'],
  asOf: ['Số liệu ngày', 'Figures for'],
  timeZone: ['Múi giờ', 'Time zone'],

  campaignVideo: ['Video của chiến dịch', 'Campaign video'],
  chooseVideo: ['Chọn tệp video (MP4/WebM)', 'Choose a video file (MP4/WebM)'],
  upload: ['Tải lên', 'Upload'],
  uploading: ['Đang tải lên', 'Uploading'],
  uploaded: ['Đã tải lên và gán cho chiến dịch', 'Uploaded and set on the campaign'],
  currentVideo: ['Video hiện tại', 'Current video'],
  seconds: ['giây', 'seconds'],
  dates: ['Thời gian chạy', 'Dates'],
  firstDay: ['Ngày bắt đầu', 'First day'],
  lastDay: ['Ngày kết thúc (hết ngày)', 'Last day (inclusive)'],
  targetPerDay: ['Số lượt phát/ngày (bình quân)', 'Plays per day (average)'],
  dateHint: ['dd/mm/yyyy', 'dd/mm/yyyy'],
  badDate: [
    'Ngày phải có dạng dd/mm/yyyy, ví dụ 17/08/2024',
    'Dates are written dd/mm/yyyy, e.g. 17/08/2024',
  ],
  peakEditor: ['Giờ cao điểm theo loại địa điểm', 'Peak hours per venue type'],
  peakHelp: [
    'Nhấn hoặc kéo chuột trên lưới để tô trọng số cho từng giờ trong tuần. Trọng số lớn hơn 1 là giờ cao điểm; 0 là không phát.',
    'Click or drag over the grid to paint each hour of the week. A weight above 1 is a peak hour; 0 means no plays.',
  ],
  venueType: ['Loại địa điểm', 'Venue type'],
  brush: ['Trọng số tô', 'Paint weight'],
  previewDate: ['Xem trước cho ngày', 'Preview for'],
  preview: ['Lịch phát dự kiến trong ngày (một màn hình)', "The day's plan (one screen)"],
  previewTotal: ['Tổng lượt', 'Total plays'],
  closedHours: ['Ngoài giờ mở cửa', 'Closed'],
  saveProfile: ['Lưu giờ cao điểm', 'Save peak hours'],
  resetProfile: ['Đặt lại (đều nhau)', 'Reset (flat)'],
  ptTitle: ['Phạm vi tham gia', 'Who takes part'],
  ptHelp: [
    'Một điểm đặt tham gia khi nằm trong khu vực đã chọn và thuộc loại địa điểm đã chọn; các điểm đặt thêm riêng luôn tham gia.',
    'A site takes part when it is in a ticked region and of a ticked venue type; sites added by name always take part.',
  ],
  ptAll: ['Chọn tất cả', 'Tick all'],
  ptNone: ['Bỏ chọn tất cả', 'Untick all'],
  ptRegions: ['Khu vực', 'Regions'],
  ptRegionHelp: [
    'Chọn một quận/huyện là chọn mọi phường/xã của nó. Không chọn khu vực nào: mọi khu vực, chỉ lọc theo loại địa điểm.',
    'Ticking a district covers all its wards. With no region ticked, every region passes and only the venue types filter.',
  ],
  ptExtraSites: ['Điểm đặt thêm', 'Extra sites'],
  ptFindSite: ['Tìm điểm đặt theo tên', 'Find a site by name'],
  ptSiteHint: ['Gõ tên điểm đặt…', 'Type a site name…'],
  ptAdd: ['Thêm', 'Add'],
  remove: ['Bỏ', 'Remove'],
  ptNoExtraSites: ['Chưa có điểm đặt thêm.', 'No extra sites.'],
  ptUnknownSite: [
    'Không tìm thấy điểm đặt này; hãy chọn một tên trong danh sách gợi ý.',
    'No such site; pick a name from the suggestions.',
  ],
  ptPickVenue: [
    'Hãy chọn ít nhất một loại địa điểm, hoặc bỏ chọn mọi khu vực để chỉ giữ các điểm đặt thêm.',
    'Tick at least one venue type, or untick every region to keep only the extra sites.',
  ],
  ptSites: ['điểm đặt', 'sites'],
  ptScreens: ['màn hình tham gia', 'screens take part'],
  ptSave: ['Lưu phạm vi tham gia', 'Save who takes part'],
  ptSaved: ['Đã lưu phạm vi tham gia; lịch phát sẽ được lập lại.', 'Saved; the plans will be made again.'],
  hour: ['Giờ', 'Hour'],
  weekdays: ['T2,T3,T4,T5,T6,T7,CN', 'Mon,Tue,Wed,Thu,Fri,Sat,Sun'],

  site: ['Điểm đặt', 'Site'],
  screen: ['Màn hình', 'Screen'],
  status: ['Trạng thái', 'Status'],
  lastSeen: ['Lần cuối kết nối', 'Last seen'],
  currentItem: ['Đang phát', 'Now playing'],
  todayPlan: ['Lịch hôm nay', "Today's plan"],
  revoke: ['Thu hồi', 'Revoke'],
  confirmRevoke: [
    'Thu hồi màn hình này? Trình phát sẽ phải ghép nối lại.',
    'Revoke this screen? The player will have to be paired again.',
  ],
  pairTitle: ['Ghép nối màn hình mới', 'Pair a new screen'],
  pairHelp: ['Nhập mã 6 ký tự đang hiện trên màn hình.', 'Type the 6-character code shown on the screen.'],
  pairCode: ['Mã ghép nối', 'Pairing code'],
  screenName: ['Tên màn hình', 'Screen name'],
  pair: ['Ghép nối', 'Pair'],
  paired: ['Đã ghép nối màn hình', 'Screen paired'],
  noScreens: ['Chưa có màn hình', 'No screens yet'],
  belowTarget: ['Dưới chỉ tiêu', 'Below target'],
  mostlyPeak: ['Phần lớn trong giờ cao điểm', 'Mostly in peak hours'],
  provisionTitle: ['Cài đặt hàng loạt', 'Mass install'],
  provisionHelp: [
    'Tải một tệp cài đặt cho điểm đặt, chép vào từng máy phát và chạy trình phát với tệp đó: các màn hình tự ghép nối, không cần nhập mã.',
    'Download one provisioning file for the site, copy it to each player PC and start the player with it: the screens pair themselves, no code to type.',
  ],
  provisionCount: ['Số màn hình', 'Number of screens'],
  provisionDownload: ['Tải tệp cài đặt', 'Download the file'],
  provisionMade: ['Đã tạo tệp cài đặt, hiệu lực đến', 'Provisioning file made, valid until'],

  frequencyTitle: ['Tăng tần suất phát tại điểm đặt', 'Raise the frequency at a site'],
  frequencyHelp: [
    'Thủ trưởng đơn vị có thể tăng số lượt phát/ngày cho điểm đặt của mình, không được giảm thấp hơn mức của thành phố.',
    "An office head may raise plays per day at their own site, never below the city's target.",
  ],
  cityTarget: ['Mức của thành phố', "City's target"],
  inForce: ['Đang áp dụng', 'In force'],
  maxFeasible: ['Tối đa khả thi', 'Most that fits'],
  newValue: ['Số lượt phát/ngày mới', 'New plays per day'],
  reason: ['Lý do', 'Reason'],
  apply: ['Áp dụng', 'Apply'],
  applied: ['Đã áp dụng; trình phát nhận lịch mới ngay.', 'Applied; players receive the new plan now.'],
  raiseEffect: [
    'Hôm nay mỗi màn hình phát thêm {today} lượt; {later} lượt không còn kịp trong hôm nay được dời sang các ngày sau.',
    'Today each screen plays {today} more; {later} that no longer fit today move to later days.',
  ],
  history: ['Lịch sử thay đổi', 'History'],
  when: ['Thời điểm', 'When'],
  who: ['Người thực hiện', 'By'],
  value: ['Giá trị', 'Value'],

  from: ['Từ ngày', 'From'],
  to: ['Đến ngày', 'To'],
  groupBy: ['Nhóm theo', 'Group by'],
  group_screen: ['Màn hình', 'Screen'],
  group_site: ['Điểm đặt', 'Site'],
  group_district: ['Quận/huyện', 'District'],
  group_venue_type: ['Loại địa điểm', 'Venue type'],
  district: ['Quận/huyện', 'District'],
  all: ['Tất cả', 'All'],
  show: ['Xem', 'Show'],
  total: ['Tổng', 'Total'],
  dailyChart: ['Lượt phát theo ngày so với chỉ tiêu', 'Daily plays against the target'],
  hourlyChart: ['Phân bố theo giờ trong ngày', 'Plays by hour of day'],
  exports: ['Xuất dữ liệu', 'Exports'],
  export_daily: ['Theo màn hình và ngày', 'Per screen and day'],
  export_hourly: ['Theo điểm đặt và giờ', 'Per site and hour'],
  export_evidence: [
    'Bằng chứng phát (từng lượt, chuỗi băm)',
    'Proof-of-play evidence (every play, hash chain)',
  ],
  export_audit: ['Nhật ký thao tác', 'Audit log'],
  savedReports: ['Báo cáo tuần đã lưu (thứ Năm)', 'Saved weekly reports (Thursday)'],
  period: ['Kỳ', 'Period'],
  generatedAt: ['Lập lúc', 'Generated'],
  checksum: ['Tổng kiểm SHA-256', 'SHA-256 checksum'],
  download: ['Tải về', 'Download'],

  action: ['Thao tác', 'Action'],
  object: ['Đối tượng', 'Object'],
  detail: ['Chi tiết', 'Detail'],
  newer: ['← Mới hơn', '← Newer'],
  older: ['Cũ hơn →', 'Older →'],
} as const satisfies Record<string, readonly [string, string]>;

export type StringKey = keyof typeof STRINGS;
export type Lang = 'vi' | 'en';

let lang: Lang = (globalThis.localStorage?.getItem('lang') as Lang | null) === 'en' ? 'en' : 'vi';

export function t(key: StringKey): string {
  return STRINGS[key][lang === 'vi' ? 0 : 1];
}

/** A key chosen at run time (role names, group names); falls back to the key itself. */
export function tk(key: string): string {
  const entry = (STRINGS as Record<string, readonly [string, string]>)[key];
  return entry ? entry[lang === 'vi' ? 0 : 1] : key;
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  globalThis.localStorage?.setItem('lang', next);
  document.documentElement.lang = next;
}

/**
 * Turns a zod issue into a sentence a person can act on, Vietnamese first, then English. The
 * console shows it beside the field it concerns; the path stays in the JSON (for the console to
 * find the field) but never in the words. Library words ("too_small", "expected string",
 * "invalid_type", regex sources) stop here.
 */

type Pair = readonly [vi: string, en: string];

/** Names of the fields people fill in, as the console labels them. */
const FIELD_LABELS: Record<string, Pair> = {
  username: ['Tên đăng nhập', 'User name'],
  password: ['Mật khẩu', 'Password'],
  currentPassword: ['Mật khẩu hiện tại', 'Current password'],
  newPassword: ['Mật khẩu mới', 'New password'],
  displayName: ['Họ tên', 'Full name'],
  role: ['Vai trò', 'Role'],
  scopes: ['Phạm vi', 'Scope'],
  name: ['Tên', 'Name'],
  nameEn: ['Tên tiếng Anh', 'English name'],
  screenName: ['Tên màn hình', 'Screen name'],
  namePrefix: ['Tiền tố tên màn hình', 'Screen name prefix'],
  code: ['Mã ghép nối', 'Pairing code'],
  siteId: ['Điểm đặt', 'Site'],
  site: ['Điểm đặt', 'Site'],
  campaignId: ['Chiến dịch', 'Campaign'],
  campaign: ['Chiến dịch', 'Campaign'],
  regionId: ['Địa bàn', 'Region'],
  region: ['Địa bàn', 'Region'],
  venueType: ['Loại địa điểm', 'Venue type'],
  reason: ['Lý do', 'Reason'],
  playsPerDay: ['Số lượt phát/ngày', 'Plays per day'],
  targetPerDay: ['Chỉ tiêu lượt/ngày', 'Target plays per day'],
  firstDay: ['Ngày bắt đầu', 'First day'],
  lastDay: ['Ngày kết thúc', 'Last day'],
  from: ['Từ ngày', 'From'],
  to: ['Đến ngày', 'To'],
  date: ['Ngày', 'Date'],
  day: ['Ngày', 'Day'],
  address: ['Địa chỉ', 'Address'],
  timeZone: ['Múi giờ', 'Time zone'],
  openingHours: ['Giờ mở cửa', 'Opening hours'],
  peakProfile: ['Giờ cao điểm', 'Peak hours'],
  peakProfiles: ['Giờ cao điểm', 'Peak hours'],
  resolution: ['Độ phân giải', 'Resolution'],
  orientation: ['Hướng màn hình', 'Orientation'],
  count: ['Số lượng', 'Count'],
  validDays: ['Số ngày hiệu lực', 'Days valid'],
  limit: ['Số dòng', 'Rows'],
  offset: ['Vị trí bắt đầu', 'Start row'],
  kind: ['Loại báo cáo', 'Report kind'],
  format: ['Định dạng', 'Format'],
  groupBy: ['Nhóm theo', 'Group by'],
  media: ['Video', 'Video'],
  mediaSha256: ['Video', 'Video'],
  averageBasis: ['Cách tính trung bình', 'Average basis'],
  makeGoodCapPct: ['Mức bù tối đa', 'Make-good cap'],
  participants: ['Nơi tham gia', 'Participants'],
  action: ['Thao tác', 'Action'],
  actor: ['Người thực hiện', 'Person'],
  status: ['Trạng thái', 'Status'],
  id: ['Mã', 'Id'],
};

/** The schemas' own English messages, with the Vietnamese a person reads first. */
const KNOWN_MESSAGES: Record<string, Pair> = {
  'expected a non-empty text': ['cần nhập nội dung', 'must not be empty'],
  'expected the password': ['cần nhập mật khẩu', 'enter the password'],
  'expected a password of at least 12 characters': ['cần ít nhất 12 ký tự', 'needs at least 12 characters'],
  'expected a user name of 2–50 letters, digits, dots, dashes or underscores': [
    'gồm 2–50 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới',
    'use 2–50 letters, digits, dots, dashes or underscores',
  ],
  'expected at least one field to change': ['hãy thay đổi ít nhất một mục', 'change at least one field'],
  'expected lastDay on or after firstDay': [
    'ngày kết thúc không được trước ngày bắt đầu',
    'the last day must not be before the first day',
  ],
  'expected a whole number of plays per day': ['cần là số nguyên', 'must be a whole number'],
  'expected a date as YYYY-MM-DD, e.g. 2024-08-17': [
    'cần là một ngày có thật, ví dụ 17/08/2024',
    'must be a real date, e.g. 17/08/2024',
  ],
  'expected a 24-hour time as HH:MM, e.g. 07:30': [
    'cần là giờ dạng 24 giờ, ví dụ 07:30',
    'must be a 24-hour time, e.g. 07:30',
  ],
  'expected an IANA time zone name, e.g. Asia/Ho_Chi_Minh': [
    'cần là tên múi giờ, ví dụ Asia/Ho_Chi_Minh',
    'must be a time zone name, e.g. Asia/Ho_Chi_Minh',
  ],
  'expected WIDTHxHEIGHT in pixels, e.g. 1920x1080': [
    'cần dạng rộng x cao, ví dụ 1920x1080',
    'must be width x height, e.g. 1920x1080',
  ],
  'expected a lowercase hex sha256 (64 characters)': [
    'không phải mã video hợp lệ',
    'is not a valid video id',
  ],
  'expected a lowercase slug such as hai-ba-trung/bach-khoa': [
    'chỉ gồm chữ thường không dấu, số và dấu gạch, ví dụ hai-ba-trung',
    'use lowercase letters, digits and dashes, e.g. hai-ba-trung',
  ],
  'the first day of the period must not be after the last': [
    'ngày đầu kỳ không được sau ngày cuối kỳ',
    'the first day must not be after the last',
  ],
  'expected an ISO 8601 instant with an offset': [
    'cần là thời điểm có múi giờ, ví dụ 2024-09-05T07:55:00+07:00',
    'must be an instant with its offset, e.g. 2024-09-05T07:55:00+07:00',
  ],
};

export interface ValidationIssue {
  keyword?: string | undefined;
  instancePath?: string | undefined;
  message?: string | undefined;
  params?: Record<string, unknown> | undefined;
}

export interface FieldProblem {
  /** Where the field is, for programs: `body.screenName`, `querystring.to`. Never shown to people. */
  path: string;
  /** The field's own name (last path segment that is a word), for the console to find its input. */
  field: string;
  /** What to fix, "Vietnamese / English", naming the field as the console labels it. */
  message: string;
}

const CONTEXT_LABEL: Record<string, Pair> = {
  body: ['Dữ liệu gửi lên', 'The form'],
  querystring: ['Bộ lọc', 'The filter'],
  params: ['Địa chỉ trang', 'The address'],
  headers: ['Yêu cầu', 'The request'],
};

function humanise(key: string): Pair {
  const known = FIELD_LABELS[key];
  if (known) return known;
  // An unknown key: split camelCase into words rather than show the identifier.
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return [words, words.charAt(0).toUpperCase() + words.slice(1)];
}

const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));

/** The rule that was broken, in words, without the field's name. */
function rule(issue: ValidationIssue): Pair {
  const p = issue.params ?? {};
  const msg = issue.message ?? '';
  if (msg.includes(' / ')) {
    const [vi, en] = msg.split(' / ', 2) as [string, string];
    return [vi, en];
  }
  const known = KNOWN_MESSAGES[msg];
  if (known) return known;
  const origin = p.origin as string | undefined;
  switch (issue.keyword) {
    case 'invalid_type':
      if (/received undefined/.test(msg)) return ['chưa được nhập', 'is required'];
      if (p.expected === 'int' && /received number/.test(msg))
        return ['cần là số nguyên', 'must be a whole number'];
      if (p.expected === 'number' || p.expected === 'int') return ['cần là một số', 'must be a number'];
      if (p.expected === 'boolean') return ['cần chọn có hoặc không', 'must be yes or no'];
      if (p.expected === 'array') return ['cần là một danh sách', 'must be a list'];
      return ['không đúng kiểu', 'has the wrong kind of value'];
    case 'too_small': {
      const min = num(p.minimum);
      if (origin === 'string')
        return min <= 1
          ? ['chưa được nhập', 'must not be empty']
          : [`cần ít nhất ${min} ký tự`, `needs at least ${min} characters`];
      if (origin === 'array' || origin === 'set')
        return min <= 1
          ? ['cần chọn ít nhất một mục', 'choose at least one']
          : [`cần ít nhất ${min} mục`, `needs at least ${min} items`];
      return p.inclusive === false
        ? [`cần lớn hơn ${min}`, `must be more than ${min}`]
        : [`tối thiểu là ${min}`, `must be at least ${min}`];
    }
    case 'too_big': {
      const max = num(p.maximum);
      if (origin === 'string') return [`tối đa ${max} ký tự`, `must be at most ${max} characters`];
      if (origin === 'array' || origin === 'set') return [`tối đa ${max} mục`, `at most ${max} items`];
      return p.inclusive === false
        ? [`cần nhỏ hơn ${max}`, `must be less than ${max}`]
        : [`tối đa là ${max}`, `must be at most ${max}`];
    }
    case 'invalid_format':
      if (p.format === 'email') return ['không phải địa chỉ e-mail hợp lệ', 'is not a valid e-mail address'];
      if (p.format === 'url') return ['không phải địa chỉ web hợp lệ', 'is not a valid web address'];
      if (p.format === 'uuid') return ['không phải mã hợp lệ', 'is not a valid id'];
      return ['không đúng định dạng', 'is not in the expected form'];
    case 'invalid_value':
    case 'invalid_enum_value': {
      const values = Array.isArray(p.values) ? (p.values as unknown[]).map(String) : [];
      return values.length && values.length <= 6
        ? [`chọn một trong: ${values.join(', ')}`, `choose one of: ${values.join(', ')}`]
        : ['không phải lựa chọn hợp lệ', 'is not one of the choices'];
    }
    case 'not_multiple_of':
      return ['cần là số nguyên', 'must be a whole number'];
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? (p.keys as string[]) : [];
      const names = keys.map((k) => humanise(k));
      return [
        `không dùng được mục: ${names.map((n) => n[0]).join(', ')}`,
        `these fields are not accepted: ${names.map((n) => n[1]).join(', ')}`,
      ];
    }
    default:
      return ['không hợp lệ', 'is not valid'];
  }
}

/** One validation issue of a request, in words. `context` is body, querystring, params or headers. */
export function describeIssue(context: string, issue: ValidationIssue): FieldProblem {
  const segments = (issue.instancePath ?? '').split('/').filter(Boolean);
  const words = segments.filter((s) => !/^\d+$/.test(s));
  const field = words.at(-1) ?? '';
  const [ruleVi, ruleEn] = rule(issue);
  const [labelVi, labelEn] = field ? humanise(field) : (CONTEXT_LABEL[context] ?? CONTEXT_LABEL.body!);
  const index = segments.findLast((s) => /^\d+$/.test(s));
  const where =
    index !== undefined ? [` (mục ${Number(index) + 1})`, ` (item ${Number(index) + 1})`] : ['', ''];
  return {
    path: [context, ...segments].join('.'),
    field,
    message: `${labelVi}${where[0]}: ${ruleVi}. / ${labelEn}${where[1]}: ${ruleEn}.`,
  };
}

/** The problem's detail for a request with these field problems: the first ones, in words. */
export function validationDetail(problems: FieldProblem[]): string {
  const shown = problems.slice(0, 3);
  const vi = shown.map((p) => p.message.split(' / ')[0]!.replace(/\.$/, '')).join('; ');
  const en = shown.map((p) => p.message.split(' / ')[1]!.replace(/\.$/, '')).join('; ');
  const more = problems.length - shown.length;
  return (
    `Cần sửa: ${vi}${more > 0 ? ` (và ${more} mục khác)` : ''}. / ` +
    `Please fix: ${en}${more > 0 ? ` (and ${more} more)` : ''}.`
  );
}

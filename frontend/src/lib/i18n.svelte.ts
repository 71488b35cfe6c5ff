// i18n.svelte.ts holds the UI's words in English and Simplified Chinese and
// the chosen language (the system's by default, switchable in the app).

export type Lang = 'en' | 'zh';

const en = {
  // Files, images, transfers (issue 5)
  attachFile: 'Attach file',
  sendImage: 'Send image',
  emoji: 'Emoji',
  stickers: 'Stickers',
  noStickers: 'Images you send are kept here for one-click reuse.',
  sendSticker: 'Send sticker {n}',
  forgetSticker: 'Remove sticker {n}',
  sharedFiles: 'Shared files',
  noFiles: 'No files shared yet. Drop one on the window, paste one, or use Attach.',
  download: 'Download',
  downloadName: 'Download {name}',
  downloadAgain: 'Download {name} again',
  saved: 'Saved',
  savedTo: 'Saved to {path}',
  saveTo: 'Save downloads to',
  change: 'Change…',
  changeDir: 'Folder for downloads',
  apply: 'Apply',
  transfers: 'Transfers',
  clearFinished: 'Clear finished',
  cancelName: 'Cancel {name}',
  sending: 'Sending',
  receiving: 'Receiving',
  tr_staging: 'Preparing…',
  tr_active: '{pct}%',
  tr_done: 'Done',
  tr_failed: 'Failed',
  tr_cancelled: 'Cancelled',
  timeLeft: '{time} left',
  progressOf: '{name}: {pct}%',
  dropHere: 'Drop files to share them with the room',
  imageFrom: 'Image from {name}',
  imageLoading: 'Loading image…',
  imageFailed: 'The image could not be loaded.',
  viewImage: 'View image full size',
  save: 'Save',
  fileFrom: 'File from {name}',
  err_file_too_large: 'That file is larger than this room allows.',
  err_image_too_large: 'Images may be at most 20 MB.',
  err_quota_exceeded: 'The room has no space left for that file.',
  err_bad_image: 'That is not a PNG, JPEG, GIF or WebP image.',
  err_no_such_file: 'That file is no longer shared (it was recalled, or the room was emptied).',
  err_bad_hash: 'The file arrived damaged. Try again.',
  err_disk_full: 'The disk is full.',
  tagline: 'Encrypted chat rooms, hosted by one of you.',
  nickname: 'Nickname',
  nicknamePlaceholder: 'How others see you',
  hostTitle: 'Host a room',
  hostHint: 'Start a room on this computer; you will be its leader.',
  port: 'Port',
  roomName: 'Room name',
  roomNameDefault: 'WeTalk room',
  roomPassword: 'Room password (optional)',
  host: 'Host',
  joinTitle: 'Join a room',
  joinHint: "Paste the invite link, or type the host's address.",
  address: 'Address or invite',
  password: 'Password',
  join: 'Join',
  recent: 'Recent rooms',
  working: 'Connecting…',
  language: 'Language',
  needNickname: 'Choose a nickname first.',
  needAddress: 'Enter an address or an invite link.',
  // Fingerprint check
  unknownTitle: "Check the host's key",
  unknownBody:
    'This is the first time you join {addr}. Ask the host for their fingerprint and compare it with this one before you trust it:',
  trust: 'Trust and join',
  cancel: 'Cancel',
  // Errors
  err_port_in_use: 'Port {port} is already in use on this computer.',
  err_port_suggest: 'Try port {suggest}.',
  useSuggested: 'Use port {suggest}',
  err_bad_password: 'Wrong room password.',
  err_unreachable: 'Cannot reach that address. Check it, and that the host is running.',
  err_host_key_mismatch:
    "Refused: the host's key has changed since you last joined. This can mean someone is impersonating the host. Ask the host whether they reinstalled WeTalk before trusting the new key.",
  err_banned: 'You are banned from this room.',
  err_bad_invite: 'That is neither an address (HOST:PORT) nor an invite link (wetalk://…).',
  err_bad_name: 'That nickname cannot be used.',
  err_room_full: 'The room is full.',
  err_version_mismatch: 'The host runs an incompatible version of WeTalk.',
  err_rate_limited: 'Too many attempts; wait a moment and try again.',
  err_not_leader: 'Only the room leader can do that.',
  err_kick_self: 'You cannot kick yourself.',
  err_too_large: 'That message is too long.',
  err_bridge_closed: 'Lost the connection to WeTalk. Reload the page.',
  err_other: 'Something went wrong: {message}',
  // Room
  invite: 'Invite',
  leave: 'Leave',
  kick: 'Kick…',
  bans: 'Bans',
  members: 'Members',
  files: 'Files',
  you: 'you',
  leader: 'leader',
  makeLeader: 'Make leader',
  message: 'Message',
  messagePlaceholder: 'Write a message — Enter sends, Shift+Enter adds a line',
  send: 'Send',
  messages: 'Messages',
  joinedHere: 'you joined here',
  unread: 'New since you scrolled up',
  newMessages: 'New messages: {n}',
  nNew: '{n} new',
  n_joined: '{name} joined',
  n_left: '{name} left',
  n_kicked: '{name} was removed from the room',
  n_disconnected: '{name} disconnected',
  n_leader: '{name} is now the leader',
  n_renamed: 'Your name is {name} ({asked} was taken)',
  n_recalled: '{name} recalled a message',
  n_removed: 'A message by {name} was removed by the leader',
  n_private: 'private',
  n_privateTo: 'private to {name}',
  recall: 'Recall',
  remove: 'Remove',
  moreActions: 'Message actions',
  // Invite dialog
  inviteTitle: 'Invite people',
  inviteLink: 'Invite link',
  copy: 'Copy',
  copied: 'Copied to the clipboard',
  fingerprint: 'Host key fingerprint',
  lanAddresses: 'This computer on your network',
  close: 'Close',
  // Kick dialog
  kickTitle: 'Remove a member',
  kickWho: 'Member',
  kickReason: 'Reason',
  kickBan: 'Also ban them from rejoining',
  kickDo: 'Kick',
  noOthers: 'Nobody else is here.',
  bansTitle: 'Banned members',
  noBans: 'Nobody is banned.',
  unban: 'Unban',
  // Start screen notices
  hostClosed: 'The host closed the room.',
  connectionLost: 'The connection to the room was lost: {reason}',
  kickedTitle: 'You were removed from the room',
  kickedBy: '{by} removed you from the room.',
  kickedReason: 'Reason: {reason}',
  ok: 'OK',
};

export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  attachFile: '添加文件',
  sendImage: '发送图片',
  emoji: '表情符号',
  stickers: '表情',
  noStickers: '你发送过的图片会保存在这里，点一下即可再次发送。',
  sendSticker: '发送表情 {n}',
  forgetSticker: '移除表情 {n}',
  sharedFiles: '共享文件',
  noFiles: '还没有共享文件。把文件拖到窗口上、粘贴，或点“添加文件”。',
  download: '下载',
  downloadName: '下载 {name}',
  downloadAgain: '重新下载 {name}',
  saved: '已保存',
  savedTo: '已保存到 {path}',
  saveTo: '下载保存到',
  change: '更改…',
  changeDir: '下载文件夹',
  apply: '应用',
  transfers: '传输',
  clearFinished: '清除已完成',
  cancelName: '取消 {name}',
  sending: '发送中',
  receiving: '接收中',
  tr_staging: '准备中…',
  tr_active: '{pct}%',
  tr_done: '完成',
  tr_failed: '失败',
  tr_cancelled: '已取消',
  timeLeft: '剩余 {time}',
  progressOf: '{name}：{pct}%',
  dropHere: '松开即可把文件分享给房间',
  imageFrom: '来自 {name} 的图片',
  imageLoading: '图片加载中…',
  imageFailed: '图片无法加载。',
  viewImage: '查看原图',
  save: '保存',
  fileFrom: '来自 {name} 的文件',
  err_file_too_large: '文件超过了这个房间允许的大小。',
  err_image_too_large: '图片最大为 20 MB。',
  err_quota_exceeded: '房间的存储空间不足，无法共享这个文件。',
  err_bad_image: '这不是 PNG、JPEG、GIF 或 WebP 图片。',
  err_no_such_file: '这个文件已不再共享（已被撤回，或房间已清空）。',
  err_bad_hash: '文件传输后已损坏，请重试。',
  err_disk_full: '磁盘已满。',
  tagline: '加密聊天室，由你们中的一人托管。',
  nickname: '昵称',
  nicknamePlaceholder: '别人看到的名字',
  hostTitle: '创建房间',
  hostHint: '在这台电脑上开一个房间，你将成为房主。',
  port: '端口',
  roomName: '房间名称',
  roomNameDefault: 'WeTalk 房间',
  roomPassword: '房间密码（可选）',
  host: '创建',
  joinTitle: '加入房间',
  joinHint: '粘贴邀请链接，或输入房主的地址。',
  address: '地址或邀请链接',
  password: '密码',
  join: '加入',
  recent: '最近的房间',
  working: '正在连接…',
  language: '语言',
  needNickname: '请先填写昵称。',
  needAddress: '请输入地址或邀请链接。',
  unknownTitle: '核对房主的密钥',
  unknownBody: '这是你第一次加入 {addr}。请向房主索取指纹，核对一致后再信任：',
  trust: '信任并加入',
  cancel: '取消',
  err_port_in_use: '端口 {port} 已被这台电脑上的其他程序占用。',
  err_port_suggest: '可以试试端口 {suggest}。',
  useSuggested: '使用端口 {suggest}',
  err_bad_password: '房间密码错误。',
  err_unreachable: '无法连接到该地址。请检查地址，并确认房主正在运行。',
  err_host_key_mismatch: '已拒绝：房主的密钥与上次不同，可能有人在冒充房主。请先向房主确认是否重装过 WeTalk。',
  err_banned: '你已被禁止进入这个房间。',
  err_bad_invite: '这既不是地址（主机:端口），也不是邀请链接（wetalk://…）。',
  err_bad_name: '这个昵称不能使用。',
  err_room_full: '房间已满。',
  err_version_mismatch: '房主使用的 WeTalk 版本不兼容。',
  err_rate_limited: '尝试次数过多，请稍后再试。',
  err_not_leader: '只有房主可以这样做。',
  err_kick_self: '你不能踢出自己。',
  err_too_large: '消息太长了。',
  err_bridge_closed: '与 WeTalk 的连接已断开，请刷新页面。',
  err_other: '出错了：{message}',
  invite: '邀请',
  leave: '离开',
  kick: '踢出…',
  bans: '黑名单',
  members: '成员',
  files: '文件',
  you: '你',
  leader: '房主',
  makeLeader: '设为房主',
  message: '消息',
  messagePlaceholder: '输入消息 — Enter 发送，Shift+Enter 换行',
  send: '发送',
  messages: '消息列表',
  joinedHere: '你从这里加入',
  unread: '以下是新消息',
  newMessages: '新消息：{n} 条',
  nNew: '{n} 条新消息',
  n_joined: '{name} 加入了房间',
  n_left: '{name} 离开了房间',
  n_kicked: '{name} 被移出了房间',
  n_disconnected: '{name} 断开了连接',
  n_leader: '{name} 现在是房主',
  n_renamed: '你的名字是 {name}（{asked} 已被占用）',
  n_recalled: '{name} 撤回了一条消息',
  n_removed: '{name} 的一条消息已被房主删除',
  n_private: '私信',
  n_privateTo: '发给 {name} 的私信',
  recall: '撤回',
  remove: '删除',
  moreActions: '消息操作',
  inviteTitle: '邀请他人',
  inviteLink: '邀请链接',
  copy: '复制',
  copied: '已复制到剪贴板',
  fingerprint: '房主密钥指纹',
  lanAddresses: '本机在局域网中的地址',
  close: '关闭',
  kickTitle: '移出成员',
  kickWho: '成员',
  kickReason: '原因',
  kickBan: '同时禁止其再次加入',
  kickDo: '踢出',
  noOthers: '房间里没有其他人。',
  bansTitle: '已禁止的成员',
  noBans: '没有被禁止的成员。',
  unban: '解除禁止',
  hostClosed: '房主关闭了房间。',
  connectionLost: '与房间的连接已断开：{reason}',
  kickedTitle: '你已被移出房间',
  kickedBy: '{by} 将你移出了房间。',
  kickedReason: '原因：{reason}',
  ok: '确定',
};

const tables: Record<Lang, Record<Key, string>> = { en, zh };

/** systemLang picks the language from the browser's or system's setting. */
export function systemLang(languages: readonly string[] = globalThis.navigator?.languages ?? []): Lang {
  for (const l of languages) {
    if (l.toLowerCase().startsWith('zh')) return 'zh';
    if (l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

/** I18n is the chosen language and the lookup of words in it. */
export class I18n {
  lang = $state<Lang>('en');

  constructor(lang: Lang) {
    this.lang = lang;
  }

  /** t returns the words for key, with {name} placeholders filled in. */
  t = (key: Key, params: Record<string, string | number> = {}): string => {
    const s = tables[this.lang][key] ?? en[key];
    return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
  };
}

function storedLang(): Lang | null {
  try {
    const v = globalThis.localStorage?.getItem('wetalk.lang');
    return v === 'en' || v === 'zh' ? v : null;
  } catch {
    return null;
  }
}

/** i18n is the app's one language setting. */
export const i18n = new I18n(storedLang() ?? systemLang());

/** setLang switches the language and remembers the choice. */
export function setLang(lang: Lang): void {
  i18n.lang = lang;
  try {
    globalThis.localStorage?.setItem('wetalk.lang', lang);
  } catch {
    // not remembered; fine
  }
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

// types.ts mirrors the Go types the backend hands to the UI
// (backend/session and backend/client); the JSON names are theirs.

// The room events mirror backend/client's event types, one interface per
// kind, told apart by type (a discriminated union). A field Go may leave out
// (omitempty) is optional here, every other one is always there. A Go test
// (backend/web events_test.go) fails when the two drift apart.

export interface WelcomeEvent {
  type: 'welcome';
  files: FileInfo[];
  history_count?: number;
  leader: string;
  members: string[];
  name: string;
  room: string;
  seq?: number;
}

export interface MessageEvent {
  type: 'message';
  from: string;
  history: boolean;
  id: string;
  /** reply_to is the id of the message this one answers. */
  reply_to?: string;
  seq?: number;
  text: string;
  time: string;
  to?: string;
}

export interface JoinedEvent {
  type: 'joined';
  name: string;
  seq?: number;
}

export interface LeftEvent {
  type: 'left';
  name: string;
  reason: string;
  seq?: number;
}

export interface LeaderEvent {
  type: 'leader';
  name: string;
  seq?: number;
}

export interface RecalledEvent {
  type: 'recalled';
  by: string;
  id: string;
  seq?: number;
}

/** PresenceEvent: a member's link dropped (its seat is held) or came back. */
export interface PresenceEvent {
  type: 'presence';
  name: string;
  seq?: number;
  state: 'reconnecting' | 'back';
}

/** ReconnectingEvent: our own link dropped; an attempt to resume follows. */
export interface ReconnectingEvent {
  type: 'reconnecting';
  attempt: number;
  in_ms: number;
  reason: string;
}

/** ReconnectedEvent: the seat was resumed; the missed events follow. */
export interface ReconnectedEvent {
  type: 'reconnected';
  attempt: number;
  missed: number;
}

export interface KickedEvent {
  type: 'kicked';
  banned?: boolean;
  by: string;
  reason: string;
}

export interface AckEvent {
  type: 'ack';
  id?: string;
  ref: string;
}

export interface ClosedEvent {
  type: 'closed';
  reason: string;
}

export interface ErrorEvent {
  type: 'error';
  code: string;
  message: string;
  ref: string;
}

export interface BansEvent {
  type: 'bans';
  names?: string[];
}

/** TypingEvent: from is typing, to the room or (to set) privately to me. */
export interface TypingEvent {
  type: 'typing';
  from: string;
  to?: string;
}

/** FileEvent: a file shared with the room. With uploading set it is still
 * being uploaded (sha256 is empty): it may be downloaded at once, and
 * file_progress, then file_done or file_failed, follow. */
export interface FileEvent {
  type: 'file';
  from: string;
  history: boolean;
  id: string;
  name: string;
  seq?: number;
  sha256: string;
  size: number;
  time: string;
  uploading?: boolean;
}

/** FileProgressEvent: received bytes of a file still uploading reached the host. */
export interface FileProgressEvent {
  type: 'file_progress';
  id: string;
  received: number;
}

/** FileDoneEvent: a file announced while uploading is complete and verified. */
export interface FileDoneEvent {
  type: 'file_done';
  id: string;
  seq?: number;
  sha256: string;
}

/** FileFailedEvent: the upload of a file failed; the file left the room. */
export interface FileFailedEvent {
  type: 'file_failed';
  code: string;
  id: string;
  message: string;
  seq?: number;
}

export interface ImageEvent {
  type: 'image';
  from: string;
  history: boolean;
  id: string;
  mime: string;
  seq?: number;
  sha256: string;
  size: number;
  time: string;
}

export interface ProgressEvent {
  type: 'progress';
  direction: string;
  done: number;
  ref?: string;
  total: number;
  transfer: string;
}

export interface UploadedEvent {
  type: 'uploaded';
  file: string;
  ref: string;
}

export interface DownloadedEvent {
  type: 'downloaded';
  file: string;
  path: string;
  sha256: string;
  ref: string;
}

/** RoomEvent is one client.Event, as room:events batches carry them. */
export type RoomEvent =
  | WelcomeEvent
  | MessageEvent
  | JoinedEvent
  | LeftEvent
  | LeaderEvent
  | PresenceEvent
  | ReconnectingEvent
  | ReconnectedEvent
  | RecalledEvent
  | KickedEvent
  | AckEvent
  | ClosedEvent
  | ErrorEvent
  | BansEvent
  | TypingEvent
  | FileEvent
  | ImageEvent
  | ProgressEvent
  | UploadedEvent
  | DownloadedEvent
  | FileProgressEvent
  | FileDoneEvent
  | FileFailedEvent;

/** Room is what Host and Join return (session.Room). */
export interface Room {
  gen: number;
  room: string;
  me: string;
  asked: string;
  leader: string;
  members: string[] | null;
  hosting: boolean;
  addr: string;
  /** files lists the files shared before I joined. */
  files?: FileInfo[] | null;
}

/** FileInfo is a shared file as the welcome lists it (client.FileInfo). */
export interface FileInfo {
  from: string;
  id: string;
  name: string;
  sha256: string;
  size: number;
  time: string;
  /** uploading: the file is still being uploaded (sha256 empty). */
  uploading?: boolean;
}

/** Transfer is one upload or download I started (session.Transfer). */
export interface Transfer {
  id: string;
  file?: string;
  name: string;
  direction: 'up' | 'down';
  image?: boolean;
  size: number;
  done: number;
  /** waiting: an upload queued behind the host's limit of uploads at once. */
  state: 'waiting' | 'active' | 'done' | 'failed' | 'cancelled';
  path?: string;
  error?: Failure;
}

/** TransferBatch is the payload of transfer:progress. */
export interface TransferBatch {
  gen: number;
  transfers: Transfer[];
}

/** Batch is the payload of room:events. */
export interface Batch {
  gen: number;
  events: RoomEvent[];
}

/** Closed is the payload of room:closed. */
export interface Closed {
  gen: number;
  code: 'left' | 'closed' | 'kicked' | 'lost';
  reason?: string;
  by?: string;
}

export interface HostRequest {
  nickname: string;
  roomName: string;
  password: string;
  port: number;
  /** noAnnounce keeps the room off the local network's room lists. */
  noAnnounce?: boolean;
}

export interface JoinRequest {
  nickname: string;
  address: string;
  password: string;
}

export interface Invite {
  link: string;
  fingerprint: string;
  hosting: boolean;
  addresses: string[] | null;
  /** links has the invite naming each of addresses, in the same order. */
  links?: string[] | null;
}

/** HeardRoom is a room announced on the local network (lan.Room). Only
 * invite is to be trusted: it pins the announced key. */
export interface HeardRoom {
  name: string;
  addr: string;
  fingerprint: string;
  password: boolean;
  members: number;
  invite: string;
}

/** Discovery is the payload of lan:rooms and what browseRooms returns
 * (session.Discovery). */
export interface Discovery {
  rooms: HeardRoom[] | null;
  state: 'searching' | 'ready' | 'unavailable';
}

export interface Recent {
  address: string;
  invite: string;
  room: string;
  nickname: string;
  time: string;
}

/** Failure is a refusal from Go (session.Failure). */
export interface Failure {
  code: string;
  message: string;
  suggest?: number;
  fingerprint?: string;
  addr?: string;
}

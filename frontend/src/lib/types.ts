// types.ts mirrors the Go types the backend hands to the UI
// (backend/session and backend/client); the JSON names are theirs.

/** RoomEvent is one client.Event: which fields are set depends on type. */
export interface RoomEvent {
  type: string;
  seq?: number;
  id?: string;
  from?: string;
  to?: string;
  text?: string;
  time?: string;
  history?: boolean;
  name?: string;
  reason?: string;
  by?: string;
  leader?: string;
  members?: string[];
  banned?: boolean;
  room?: string;
  ref?: string;
  code?: string;
  message?: string;
  history_count?: number;
  names?: string[];
  /** size, sha256 and mime describe a shared file or image. */
  size?: number;
  sha256?: string;
  mime?: string;
}

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
  id: string;
  from: string;
  name: string;
  size: number;
  sha256: string;
  time: string;
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
  state: 'staging' | 'waiting' | 'active' | 'done' | 'failed' | 'cancelled';
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

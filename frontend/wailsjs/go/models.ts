export namespace client {
	
	export class FileInfo {
	    from: string;
	    id: string;
	    name: string;
	    sha256: string;
	    size: number;
	    // Go type: time
	    time: any;
	    uploading?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new FileInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.from = source["from"];
	        this.id = source["id"];
	        this.name = source["name"];
	        this.sha256 = source["sha256"];
	        this.size = source["size"];
	        this.time = this.convertValues(source["time"], null);
	        this.uploading = source["uploading"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace lan {
	
	export class Room {
	    name: string;
	    addr: string;
	    fingerprint: string;
	    password: boolean;
	    members: number;
	    invite: string;
	
	    static createFrom(source: any = {}) {
	        return new Room(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.addr = source["addr"];
	        this.fingerprint = source["fingerprint"];
	        this.password = source["password"];
	        this.members = source["members"];
	        this.invite = source["invite"];
	    }
	}

}

export namespace profile {
	
	export class Recent {
	    address: string;
	    invite: string;
	    room: string;
	    nickname: string;
	    // Go type: time
	    time: any;
	
	    static createFrom(source: any = {}) {
	        return new Recent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.address = source["address"];
	        this.invite = source["invite"];
	        this.room = source["room"];
	        this.nickname = source["nickname"];
	        this.time = this.convertValues(source["time"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace session {
	
	export class Discovery {
	    rooms: lan.Room[];
	    state: string;
	
	    static createFrom(source: any = {}) {
	        return new Discovery(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.rooms = this.convertValues(source["rooms"], lan.Room);
	        this.state = source["state"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Failure {
	    code: string;
	    message: string;
	    suggest?: number;
	    fingerprint?: string;
	    addr?: string;
	
	    static createFrom(source: any = {}) {
	        return new Failure(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.message = source["message"];
	        this.suggest = source["suggest"];
	        this.fingerprint = source["fingerprint"];
	        this.addr = source["addr"];
	    }
	}
	export class HostRequest {
	    nickname: string;
	    roomName: string;
	    password: string;
	    port: number;
	    noAnnounce: boolean;
	
	    static createFrom(source: any = {}) {
	        return new HostRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.nickname = source["nickname"];
	        this.roomName = source["roomName"];
	        this.password = source["password"];
	        this.port = source["port"];
	        this.noAnnounce = source["noAnnounce"];
	    }
	}
	export class Invite {
	    link: string;
	    fingerprint: string;
	    hosting: boolean;
	    addresses: string[];
	    links: string[];
	
	    static createFrom(source: any = {}) {
	        return new Invite(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.link = source["link"];
	        this.fingerprint = source["fingerprint"];
	        this.hosting = source["hosting"];
	        this.addresses = source["addresses"];
	        this.links = source["links"];
	    }
	}
	export class JoinRequest {
	    nickname: string;
	    address: string;
	    password: string;
	
	    static createFrom(source: any = {}) {
	        return new JoinRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.nickname = source["nickname"];
	        this.address = source["address"];
	        this.password = source["password"];
	    }
	}
	export class Room {
	    gen: number;
	    room: string;
	    me: string;
	    asked: string;
	    leader: string;
	    members: string[];
	    hosting: boolean;
	    addr: string;
	    files: client.FileInfo[];
	
	    static createFrom(source: any = {}) {
	        return new Room(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.gen = source["gen"];
	        this.room = source["room"];
	        this.me = source["me"];
	        this.asked = source["asked"];
	        this.leader = source["leader"];
	        this.members = source["members"];
	        this.hosting = source["hosting"];
	        this.addr = source["addr"];
	        this.files = this.convertValues(source["files"], client.FileInfo);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Transfer {
	    id: string;
	    file?: string;
	    name: string;
	    direction: string;
	    image?: boolean;
	    size: number;
	    done: number;
	    state: string;
	    path?: string;
	    error?: Failure;
	
	    static createFrom(source: any = {}) {
	        return new Transfer(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.file = source["file"];
	        this.name = source["name"];
	        this.direction = source["direction"];
	        this.image = source["image"];
	        this.size = source["size"];
	        this.done = source["done"];
	        this.state = source["state"];
	        this.path = source["path"];
	        this.error = this.convertValues(source["error"], Failure);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}


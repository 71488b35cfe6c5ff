package secure

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFileAtomic writes data to path through a temporary file in the same
// directory that is synced before it takes path's place (and the directory
// synced after), so readers see the old content or the new, never a torn
// file, even after a crash. The file gets mode perm. It is the one writer of
// the profile folder: host keys, known hosts, the client identity, recent
// rooms and settings all go through it.
//
// With replace false an existing path is left alone and the error wraps
// fs.ErrExist: a file someone else created concurrently is never clobbered.
func WriteFileAtomic(path string, data []byte, perm os.FileMode, replace bool) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if replace {
		err = os.Rename(tmp, path)
	} else {
		err = linkNoClobber(tmp, path)
		if err == nil {
			os.Remove(tmp)
		}
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// linkNoClobber makes newpath name oldpath's file unless newpath exists. A
// hard link is atomic; on file systems without hard links it falls back to
// a check then rename, which leaves a small window for a race.
func linkNoClobber(oldpath, newpath string) error {
	err := os.Link(oldpath, newpath)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(newpath); serr == nil {
		return &fs.PathError{Op: "create", Path: newpath, Err: fs.ErrExist}
	}
	return os.Rename(oldpath, newpath)
}

// syncDir makes a rename in dir durable. Windows cannot open a directory
// for syncing and does not need it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// checkPrivate returns ErrKeyPermissions, naming the file, when path is
// accessible by group or others. Windows has no mode bits to check.
func checkPrivate(path string, info fs.FileInfo) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("secure: %w: %s has mode %#o; run chmod 600 %s (and consider the key leaked if others could read it)",
			ErrKeyPermissions, path, mode, path)
	}
	return nil
}

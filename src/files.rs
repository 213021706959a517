//! Small file helpers: atomic replace, owner-only files and folders, synced writes. Used by
//! the vault for its sidecar files and by the command line for the files it writes.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one, never a
/// torn mix: write a temporary file beside it, flush it to the disk, rename it over the old one,
/// then flush the directory so the rename itself survives a power cut.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Internal(format!("{} has no folder", path.display())))?;
    // A scratch name of this file's own, unique to this write, so two files in one folder (or
    // two writers of one file) never share one.
    let mut unique = [0u8; 8];
    crate::secret::fill_random(&mut unique)?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(format!(".{}.tmp", hex::encode(unique)));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = private_file(&tmp)?;
        f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(f);
        fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // Best effort: the temporary file holds nothing the old file did not.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates (or truncates) a file readable and writable by its owner only.
fn private_file(path: &Path) -> Result<File> {
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(|e| Error::io(path, e))
}

/// Creates a new, empty, owner-only file; fails if it exists (never truncates a vault).
pub fn create_private_file(path: &Path) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map(drop).map_err(|e| Error::io(path, e))
}

/// Creates the vault folder (and parents) with owner-only access where the OS supports it.
pub fn create_private_dir(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|e| Error::io(path, e))
}

/// Flushes a directory entry list to disk (a no-op where directories cannot be opened).
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| Error::io(dir, e))?;
        d.sync_all().map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes a new owner-only file (fails if it exists) and syncs it.
pub fn write_private_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    create_private_file(path)?;
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Reads a file the user pointed at, refusing anything that is not a regular file (a folder,
/// a FIFO that would wait for ever, a device such as `/dev/zero` that never ends) and anything
/// larger than `max` bytes, before reading more than that.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let not_a_file = || {
        Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "that is not a file Casebook can read (it is a folder, a device or a pipe)",
            ),
        )
    };
    // Checked before opening: opening a FIFO for reading waits for a writer.
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    if meta.len() > max {
        return Err(too_large(path, max));
    }
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_large(path, max));
    }
    Ok(bytes)
}

fn too_large(path: &Path, max: u64) -> Error {
    Error::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("it is larger than {} MB", max.div_ceil(1024 * 1024)),
        ),
    )
}

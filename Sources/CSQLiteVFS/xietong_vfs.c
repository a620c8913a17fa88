// A SQLite VFS that wraps the default one and writes each transaction's WAL frames with one system call.
//
// SQLite writes a WAL frame as two `pwrite`s (its 24-byte header, then the page), so a commit of N pages costs 2N
// system calls, and each frame straddles two pages of the OS's page cache; at 500 packages/s the nodes made 20-30
// such calls per package (docs/performance.md). Here the writes SQLite makes to a WAL file are gathered in memory
// while they follow on from each other, and written out in one call when the run breaks, when a transaction's commit
// frame has been written, when SQLite syncs, reads, sizes, truncates or closes the file, or when the gathered bytes
// reach a limit.
//
// Writes to the database file itself (a checkpoint's pages) are never gathered (issue 19, a full disk corrupted a
// node's store): SQLite ignores the result of the file control it sends right after a checkpoint's writes
// (SQLITE_FCNTL_CKPT_DONE), and a partial checkpoint syncs nothing, so a gathered write that failed for space was
// never reported; SQLite recorded the pages as copied, deleted the WAL on close, and left zero pages behind.
//
// A write-out that fails where SQLite does not look at the result (a file control, an unlock, a close) is remembered,
// and the file's next write, sync or truncate fails with it, so that the transaction it belongs to fails.
//
// What other connections and a restarted process see is what they would see without it:
// - A commit's frames are in the file before SQLite marks the commit in the WAL index (the write of the commit frame,
//   the one whose header names the database's size, ends the gathering), so a reader in another connection or
//   process never finds a committed frame missing, whatever `synchronous` is, and a process killed after a commit
//   leaves it in the OS as SQLite alone would.
// - Frames of a transaction not yet committed may still be in memory; a process killed then loses only that
//   transaction, which recovery would discard anyway.

#include "xietong_vfs.h"

#include <sqlite3.h>
#include <string.h>

/// Gathered bytes are written out once they reach this size (256 frames of 4 KiB pages).
#define GATHER_LIMIT (1 << 20)
/// The most the default VFS writes in one call: its Unix `xWrite` keeps only the low 17 bits of a length (it masks
/// each write with 0x1ffff), so longer writes go in pieces of this size.
#define WRITE_PIECE (124 * 1024)

typedef struct GatheringFile {
    sqlite3_file base;
    /// The default VFS's file, in the memory right after this struct.
    sqlite3_file *real;
    /// Writes of a WAL file are gathered; other files (the database, journals, temporary files) pass through.
    int gathers;
    /// The result of a write-out that failed where SQLite ignores results: returned by the next checked call.
    int failed;
    int isWAL;
    /// The last write to the WAL was the header of a commit frame: its page, next, ends the gathering.
    int commitFrameNext;
    unsigned char *buffer;
    sqlite3_int64 start;
    int length;
    int capacity;
} GatheringFile;

static sqlite3_vfs *realVFS(sqlite3_vfs *vfs) { return (sqlite3_vfs *)vfs->pAppData; }

static int writeInPieces(sqlite3_file *real, const unsigned char *data, int amount, sqlite3_int64 offset) {
    for (int done = 0; done < amount; done += WRITE_PIECE) {
        int piece = amount - done < WRITE_PIECE ? amount - done : WRITE_PIECE;
        int rc = real->pMethods->xWrite(real, data + done, piece, offset + done);
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

static int writeOut(GatheringFile *file) {
    if (file->length == 0) return SQLITE_OK;
    int rc = writeInPieces(file->real, file->buffer, file->length, file->start);
    file->length = 0;
    return rc;
}

/// A write-out where SQLite ignores the result: a failure is kept for the next checked call.
static void writeOutUnchecked(GatheringFile *file) {
    int rc = writeOut(file);
    if (rc != SQLITE_OK && file->failed == SQLITE_OK) file->failed = rc;
}

/// The failure a write-out left where SQLite could not see it, once.
static int takeFailure(GatheringFile *file) {
    int rc = file->failed;
    file->failed = SQLITE_OK;
    return rc;
}

static int gatherClose(sqlite3_file *f) {
    GatheringFile *file = (GatheringFile *)f;
    int rc = writeOut(file);
    int closed = file->real->pMethods->xClose(file->real);
    sqlite3_free(file->buffer);
    file->buffer = 0;
    file->capacity = 0;
    return rc != SQLITE_OK ? rc : closed;
}

static int gatherRead(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset) {
    GatheringFile *file = (GatheringFile *)f;
    if (file->length > 0 && offset < file->start + file->length && offset + amount > file->start) {
        int rc = writeOut(file);
        if (rc != SQLITE_OK) return rc;
    }
    return file->real->pMethods->xRead(file->real, data, amount, offset);
}

/// Adds a write to what is gathered, writing that out first when the write does not follow on from it.
static int gather(GatheringFile *file, const void *data, int amount, sqlite3_int64 offset) {
    sqlite3_int64 end = file->start + file->length;
    // Inside what is gathered (SQLite rewrites a frame of the open transaction): change it in memory.
    if (file->length > 0 && offset >= file->start && offset + amount <= end) {
        memcpy(file->buffer + (offset - file->start), data, (size_t)amount);
        return SQLITE_OK;
    }
    // Anywhere else than right after it: write out what is gathered and start again here.
    if (file->length > 0 && offset != end) {
        int rc = writeOut(file);
        if (rc != SQLITE_OK) return rc;
    }
    if (file->length + amount > GATHER_LIMIT) {
        int rc = writeOut(file);
        if (rc != SQLITE_OK) return rc;
        if (amount > GATHER_LIMIT) return writeInPieces(file->real, data, amount, offset);
    }
    if (file->length + amount > file->capacity) {
        int capacity = file->capacity == 0 ? 64 * 1024 : file->capacity;
        while (capacity < file->length + amount) capacity *= 2;
        if (capacity > GATHER_LIMIT) capacity = GATHER_LIMIT;
        unsigned char *grown = sqlite3_realloc(file->buffer, capacity);
        if (grown == 0) {
            int rc = writeOut(file);
            if (rc != SQLITE_OK) return rc;
            return writeInPieces(file->real, data, amount, offset);
        }
        file->buffer = grown;
        file->capacity = capacity;
    }
    if (file->length == 0) file->start = offset;
    memcpy(file->buffer + file->length, data, (size_t)amount);
    file->length += amount;
    return SQLITE_OK;
}

static int gatherWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset) {
    GatheringFile *file = (GatheringFile *)f;
    if (!file->gathers) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    if (file->failed != SQLITE_OK) return takeFailure(file);
    int endsCommit = 0;
    if (file->isWAL) {
        // A frame header is the only 24-byte write to a WAL (its own header is 32 bytes); bytes 4-7 hold the
        // database's size in pages after the commit for a commit frame, and zero for any other.
        const unsigned char *bytes = data;
        endsCommit = file->commitFrameNext && amount != 24;
        file->commitFrameNext = amount == 24 && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
    }
    int rc = gather(file, data, amount, offset);
    if (rc == SQLITE_OK && endsCommit) rc = writeOut(file);
    return rc;
}

static int gatherTruncate(sqlite3_file *f, sqlite3_int64 size) {
    GatheringFile *file = (GatheringFile *)f;
    if (file->failed != SQLITE_OK) return takeFailure(file);
    int rc = writeOut(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xTruncate(file->real, size);
}

static int gatherSync(sqlite3_file *f, int flags) {
    GatheringFile *file = (GatheringFile *)f;
    if (file->failed != SQLITE_OK) return takeFailure(file);
    int rc = writeOut(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xSync(file->real, flags);
}

static int gatherFileSize(sqlite3_file *f, sqlite3_int64 *size) {
    GatheringFile *file = (GatheringFile *)f;
    int rc = writeOut(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int gatherLock(sqlite3_file *f, int level) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xLock(file->real, level);
}

static int gatherUnlock(sqlite3_file *f, int level) {
    GatheringFile *file = (GatheringFile *)f;
    // SQLite syncs before it unlocks after writing; should it not, nothing gathered stays behind a lock released.
    writeOutUnchecked(file);
    return file->real->pMethods->xUnlock(file->real, level);
}

static int gatherCheckReservedLock(sqlite3_file *f, int *result) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, result);
}

static int gatherFileControl(sqlite3_file *f, int op, void *argument) {
    GatheringFile *file = (GatheringFile *)f;
    if (file->length > 0 && op != SQLITE_FCNTL_VFSNAME) writeOutUnchecked(file);
    int rc = file->real->pMethods->xFileControl(file->real, op, argument);
    if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
        char **name = (char **)argument;
        *name = sqlite3_mprintf("%s/%z", XIETONG_VFS_NAME, *name);
    }
    return rc;
}

static int gatherSectorSize(sqlite3_file *f) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int gatherDeviceCharacteristics(sqlite3_file *f) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int gatherShmMap(sqlite3_file *f, int region, int size, int extend, void volatile **memory) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, memory);
}

static int gatherShmLock(sqlite3_file *f, int offset, int count, int flags) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void gatherShmBarrier(sqlite3_file *f) {
    GatheringFile *file = (GatheringFile *)f;
    file->real->pMethods->xShmBarrier(file->real);
}

static int gatherShmUnmap(sqlite3_file *f, int delete) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xShmUnmap(file->real, delete);
}

static int gatherFetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **pointer) {
    GatheringFile *file = (GatheringFile *)f;
    int rc = writeOut(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xFetch(file->real, offset, amount, pointer);
}

static int gatherUnfetch(sqlite3_file *f, sqlite3_int64 offset, void *pointer) {
    GatheringFile *file = (GatheringFile *)f;
    return file->real->pMethods->xUnfetch(file->real, offset, pointer);
}

static const sqlite3_io_methods gatheringMethods = {
    3,
    gatherClose,
    gatherRead,
    gatherWrite,
    gatherTruncate,
    gatherSync,
    gatherFileSize,
    gatherLock,
    gatherUnlock,
    gatherCheckReservedLock,
    gatherFileControl,
    gatherSectorSize,
    gatherDeviceCharacteristics,
    gatherShmMap,
    gatherShmLock,
    gatherShmBarrier,
    gatherShmUnmap,
    gatherFetch,
    gatherUnfetch,
};

static int gatherOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *outFlags) {
    GatheringFile *file = (GatheringFile *)f;
    memset(file, 0, sizeof(GatheringFile));
    file->real = (sqlite3_file *)&file[1];
    int rc = realVFS(vfs)->xOpen(realVFS(vfs), name, file->real, flags, outFlags);
    if (rc != SQLITE_OK || file->real->pMethods == 0) {
        // SQLite calls xClose only when pMethods is set; close what the default VFS may have opened.
        if (file->real->pMethods) file->real->pMethods->xClose(file->real);
        file->base.pMethods = 0;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    // Every method of the default VFS's files that is forwarded must exist: it is version 3 on Unix.
    if (file->real->pMethods->iVersion < 3) {
        file->real->pMethods->xClose(file->real);
        file->base.pMethods = 0;
        return SQLITE_CANTOPEN;
    }
    file->isWAL = (flags & SQLITE_OPEN_WAL) != 0;
    file->gathers = file->isWAL;
    file->base.pMethods = &gatheringMethods;
    return SQLITE_OK;
}

static int gatherDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
    return realVFS(vfs)->xDelete(realVFS(vfs), name, syncDirectory);
}

static int gatherAccess(sqlite3_vfs *vfs, const char *name, int flags, int *result) {
    return realVFS(vfs)->xAccess(realVFS(vfs), name, flags, result);
}

static int gatherFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *output) {
    return realVFS(vfs)->xFullPathname(realVFS(vfs), name, size, output);
}

static void *gatherDlOpen(sqlite3_vfs *vfs, const char *name) { return realVFS(vfs)->xDlOpen(realVFS(vfs), name); }

static void gatherDlError(sqlite3_vfs *vfs, int size, char *message) { realVFS(vfs)->xDlError(realVFS(vfs), size, message); }

static void (*gatherDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    return realVFS(vfs)->xDlSym(realVFS(vfs), handle, symbol);
}

static void gatherDlClose(sqlite3_vfs *vfs, void *handle) { realVFS(vfs)->xDlClose(realVFS(vfs), handle); }

static int gatherRandomness(sqlite3_vfs *vfs, int size, char *output) {
    return realVFS(vfs)->xRandomness(realVFS(vfs), size, output);
}

static int gatherSleep(sqlite3_vfs *vfs, int microseconds) { return realVFS(vfs)->xSleep(realVFS(vfs), microseconds); }

static int gatherCurrentTime(sqlite3_vfs *vfs, double *now) { return realVFS(vfs)->xCurrentTime(realVFS(vfs), now); }

static int gatherGetLastError(sqlite3_vfs *vfs, int size, char *message) {
    return realVFS(vfs)->xGetLastError(realVFS(vfs), size, message);
}

static int gatherCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *now) {
    return realVFS(vfs)->xCurrentTimeInt64(realVFS(vfs), now);
}

static sqlite3_vfs gatheringVFS;

int xietong_vfs_register(void) {
    // Before SQLite initialises (finding a VFS does): no memory statistics, which Xietong never reads and which
    // take a global mutex on every allocation. Refused harmlessly if SQLite was initialised already.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_vfs_find(XIETONG_VFS_NAME) != 0) return SQLITE_OK;
    sqlite3_vfs *real = sqlite3_vfs_find(0);
    if (real == 0 || real->iVersion < 2) return SQLITE_ERROR;
    gatheringVFS.iVersion = 2;
    gatheringVFS.szOsFile = (int)sizeof(GatheringFile) + real->szOsFile;
    gatheringVFS.mxPathname = real->mxPathname;
    gatheringVFS.zName = XIETONG_VFS_NAME;
    gatheringVFS.pAppData = real;
    gatheringVFS.xOpen = gatherOpen;
    gatheringVFS.xDelete = gatherDelete;
    gatheringVFS.xAccess = gatherAccess;
    gatheringVFS.xFullPathname = gatherFullPathname;
    gatheringVFS.xDlOpen = gatherDlOpen;
    gatheringVFS.xDlError = gatherDlError;
    gatheringVFS.xDlSym = gatherDlSym;
    gatheringVFS.xDlClose = gatherDlClose;
    gatheringVFS.xRandomness = gatherRandomness;
    gatheringVFS.xSleep = gatherSleep;
    gatheringVFS.xCurrentTime = gatherCurrentTime;
    gatheringVFS.xGetLastError = gatherGetLastError;
    gatheringVFS.xCurrentTimeInt64 = gatherCurrentTimeInt64;
    return sqlite3_vfs_register(&gatheringVFS, 0);
}

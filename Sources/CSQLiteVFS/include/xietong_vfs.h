#ifndef XIETONG_VFS_H
#define XIETONG_VFS_H

/// The name `SQLiteDatabase` opens its files with.
#define XIETONG_VFS_NAME "xietong"

/// Registers the VFS that gathers each transaction's WAL writes into one (xietong_vfs.c), and turns SQLite's memory
/// statistics off if SQLite has not started yet. Safe to call more than once from one thread; returns a SQLite result
/// code.
int xietong_vfs_register(void);

#endif

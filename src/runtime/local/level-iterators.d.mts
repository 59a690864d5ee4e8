/**
 * Installs `return()` = `close()` on abstract-level's iterators, so the LevelDB iterator dynalite opens for every
 * Query and Scan is closed when its stream ends (see level-iterators.mjs). Call it in the thread running dynalite,
 * before creating it. Returns how many iterator classes it changed (0 when already installed).
 */
export declare function closeLevelIteratorsOnStreamEnd(): number;

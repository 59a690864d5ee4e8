export declare const BUILD_DIR: string;
export declare const BUILD_FILE: string;
export declare const BUILD_FORMAT: number;
export declare function recordedBuild(root: string): { entry: string; inputs: unknown } | undefined;
export declare function currentBuild(root: string): string | undefined;
export declare function isCurrent(root: string, inputs: unknown): boolean;

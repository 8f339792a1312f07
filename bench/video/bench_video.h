/* bench/video: the two halves of vg-bench-video (hashing, matching). */
#ifndef VIGIE_BENCH_VIDEO_H
#define VIGIE_BENCH_VIDEO_H

int bench_video_match(int argc, char **argv);

#endif

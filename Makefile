# A thin front for CMake: `make` builds build/kafkasim, `make test` builds and runs every test,
# `make demo` builds and runs the main job, `make pgo` builds the profile-guided
# build-pgo/kafkasim. CMake does the real work.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build test demo pgo ci clean

all: build

build:
	cmake --preset release >/dev/null
	cmake --build build -j $(JOBS)

test: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

demo: build
	./build/kafkasim demo

# build-pgo/kafkasim, guided by a profile of the bench and the lessons (gcc; see CMakeLists.txt).
pgo:
	cmake -S . -B build-pgo -DCMAKE_BUILD_TYPE=Release -DKAFKASIM_PGO=generate >/dev/null
	rm -rf build-pgo/pgo
	cmake --build build-pgo -j $(JOBS) --target kafkasim
	./build-pgo/kafkasim bench --reference --sweep --runs 300 --repeat 1 >/dev/null
	for f in docs/lessons/*.properties; do ./build-pgo/kafkasim run $$f >/dev/null || true; done
	cmake -S . -B build-pgo -DKAFKASIM_PGO=use >/dev/null
	cmake --build build-pgo -j $(JOBS) --target kafkasim

ci:
	cmake --workflow --preset ci

clean:
	rm -rf build build-dev build-ci build-pgo

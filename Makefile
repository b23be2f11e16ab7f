# A thin front for CMake: `make` builds build/kafkasim (profile-guided with gcc, see
# CMakeLists.txt), `make test` builds and runs every test, `make demo` builds and runs the main
# job. CMake does the real work.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build test demo ci clean

all: build

build:
	cmake --preset release >/dev/null
	cmake --build build -j $(JOBS)

test: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

demo: build
	./build/kafkasim demo

ci:
	cmake --workflow --preset ci

clean:
	rm -rf build build-dev build-ci build-plain

# A thin front for CMake: `make` builds build/kafkasim (profile-guided with gcc, see
# CMakeLists.txt), `make test` builds and runs every test, `make demo` builds and runs the main
# job, `make install PREFIX=DIR` builds and installs DIR/bin/kafkasim (default /usr/local).
# CMake does the real work.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local

.PHONY: all build test demo ci install clean

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

install: build
	cmake --install build --prefix "$(PREFIX)"

clean:
	rm -rf build build-dev build-ci build-plain

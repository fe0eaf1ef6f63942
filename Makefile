# gitproxy_sink: PGXS build of the server extension; the client library and the
# gitproxy-sink command are built by client/Makefile (delegated below).

EXTENSION  = gitproxy_sink
EXTVERSION = 1.1
MODULE_big = gitproxy_sink
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# Install script of 1.0 (frozen once released) and the upgrade scripts
# sql/gitproxy_sink--A--B.sql that later versions add.
DATA       = $(wildcard sql/$(EXTENSION)--*.sql)

# pg_regress: inputs in test/sql, expected output in expected/ (test/expected
# links to it because PostgreSQL 15's pg_regress reads both from --inputdir).
REGRESS      = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)
ISOLATION      = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=$(EXTENSION)

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src $(ICU_CFLAGS)
PG_CFLAGS  += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
ifeq ($(WERROR),1)
PG_CFLAGS  += -Werror
endif

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# ICU, when the server has it: canonical_remote_url's IDNA and lower-casing
# (src/canonical_url.c, src/unicode_case.c); without it they are ASCII-only.
ifeq ($(with_icu),yes)
SHLIB_LINK += $(ICU_LIBS)
endif

.PHONY: client client-install client-uninstall client-clean
all: client
install: client-install
uninstall: client-uninstall
clean: client-clean

client:
	$(MAKE) -C client PG_CONFIG=$(PG_CONFIG) WERROR=$(WERROR)
client-install:
	$(MAKE) -C client install PG_CONFIG=$(PG_CONFIG) DESTDIR=$(DESTDIR)
client-uninstall:
	$(MAKE) -C client uninstall PG_CONFIG=$(PG_CONFIG) DESTDIR=$(DESTDIR)
client-clean:
	$(MAKE) -C client clean

# tools/lifeboat: the host CLI. Every tools/lifeboat/*.c but main.c is also
# linked into the unit tests and fuzz targets.
TOOL_SRCS := $(filter-out tools/lifeboat/main.c,$(wildcard tools/lifeboat/*.c))

# lib/ goes in as an archive: the CLI uses only the board-independent parts
# (lib/src/flash.c etc. need a board, which the CLI does not have). Some
# objects mix both (bootstate.c: the record format mkflash encodes, and the
# log code that needs flash): --gc-sections drops the unused half.
TOOL_LIB := $(B)/host/liblb.a
TOOL_OBJS := $(patsubst %.c,$(B)/host/%.o,$(TOOL_SRCS) tools/lifeboat/main.c)

$(TOOL_LIB): $(patsubst %.c,$(B)/host/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	@rm -f $@
	$(call quiet,AR)
	$(Q)ar rcs $@ $^

$(B)/tools/lifeboat: $(TOOL_OBJS) $(TOOL_LIB)
	@mkdir -p $(@D)
	$(call quiet,LD)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Wl,--gc-sections -o $@ $(filter-out $(TOOL_LIB),$^) $(TOOL_LIB) $(HOST_LIBS)

/*
 * Runs qopt's passes through the C API on an MLIR file (built and run by
 * capi/tests/c_program.rs):
 *   1. quantRunDefaultPipeline on the parsed module, prints it;
 *   2. a pass manager built here from each pass constructor plus upstream
 *      canonicalize, on a fresh parse, prints it;
 *   3. checks that quantLoadDialect refuses a context holding upstream `quant`.
 * Exit code 0 when all succeed; diagnostics go to stderr.
 */
#include "mlir-c/Dialect/Quant.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Transforms.h"
#include "quant-c/Passes.h"

#include <stdio.h>
#include <stdlib.h>

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)size + 1);
  if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
    free(text);
    text = NULL;
  }
  if (text)
    text[size] = '\0';
  fclose(f);
  return text;
}

static void print_to_stdout(MlirStringRef chunk, void *user_data) {
  (void)user_data;
  fwrite(chunk.data, 1, chunk.length, stdout);
}

static void print_module(const char *title, MlirModule module) {
  printf("// ----- %s\n", title);
  mlirOperationPrint(mlirModuleGetOperation(module), print_to_stdout, NULL);
  printf("\n");
}

/* Parses `source`, runs `run` on it, prints it; the module is destroyed here. */
static int run_and_print(MlirContext ctx, const char *source, const char *title,
                         int (*run)(MlirContext, MlirModule)) {
  MlirModule module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(source));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "%s: parse failed\n", title);
    return 1;
  }
  int status = run(ctx, module);
  if (status == 0)
    print_module(title, module);
  else
    fprintf(stderr, "%s: pipeline failed\n", title);
  mlirModuleDestroy(module);
  return status;
}

static int default_pipeline(MlirContext ctx, MlirModule module) {
  (void)ctx;
  return mlirLogicalResultIsFailure(quantRunDefaultPipeline(module));
}

static int own_pass_manager(MlirContext ctx, MlirModule module) {
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  /* The pass manager takes ownership of each pass. */
  mlirPassManagerAddOwnedPass(pm, quantCreateFuseBnPass());
  mlirPassManagerAddOwnedPass(pm, quantCreatePrunePass());
  mlirPassManagerAddOwnedPass(pm, quantCreateDisableUnnecessaryQuantPass());
  mlirPassManagerAddOwnedPass(pm, quantCreatePrunePass());
  mlirPassManagerAddOwnedPass(pm, mlirCreateTransformsCanonicalizer());
  MlirLogicalResult result = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  mlirPassManagerDestroy(pm);
  return mlirLogicalResultIsFailure(result);
}

/* quantLoadDialect must refuse a context that holds upstream `quant`. */
static int upstream_clash(void) {
  MlirContext ctx = mlirContextCreateWithThreading(false);
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__quant__(), ctx);
  int refused = mlirLogicalResultIsFailure(quantLoadDialect(ctx));
  mlirContextDestroy(ctx);
  printf("// ----- upstream quant refused: %s\n", refused ? "yes" : "no");
  return !refused;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE.mlir\n", argv[0]);
    return 2;
  }
  char *source = read_file(argv[1]);
  if (!source) {
    fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 2;
  }
  MlirContext ctx = mlirContextCreateWithThreading(false);
  int status = mlirLogicalResultIsFailure(quantLoadDialect(ctx));
  if (status == 0)
    status = run_and_print(ctx, source, "default pipeline", default_pipeline);
  if (status == 0)
    status = run_and_print(ctx, source, "own pass manager", own_pass_manager);
  if (status == 0)
    status = upstream_clash();
  mlirContextDestroy(ctx);
  free(source);
  return status;
}

//! A thin layer over inkwell's builder for the kernel generators: typed
//! helpers for i64 index arithmetic, unaligned vector loads and stores,
//! splats, intrinsic calls and counted loops.

use inkwell::{
    builder::{Builder, BuilderError},
    context::Context,
    intrinsics::Intrinsic,
    module::Module,
    types::{BasicTypeEnum, FloatType, IntType, PointerType, VectorType},
    values::{BasicMetadataValueEnum, BasicValue, BasicValueEnum, FunctionValue, IntValue, PointerValue, VectorValue},
    AddressSpace, FloatPredicate, IntPredicate,
};

pub(super) type Res<T> = Result<T, BuilderError>;

/// The element type of a kernel buffer: f32, or i32 (quantized values widened).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Elem {
    F32,
    I32,
}

/// Where the lanes of one vector live in a buffer: lane `l` is element
/// `base + l·stride`; only the first `valid` lanes exist (the rest read as
/// zero and are not written). Stride 0 broadcasts one element.
pub(super) struct Lanes<'ctx> {
    pub base: IntValue<'ctx>,
    pub stride: u64,
    pub valid: u32,
}

pub(super) struct Ir<'ctx> {
    pub ctx: &'ctx Context,
    pub module: &'ctx Module<'ctx>,
    pub b: Builder<'ctx>,
    pub f32: FloatType<'ctx>,
    pub i32: IntType<'ctx>,
    pub i64: IntType<'ctx>,
    pub ptr: PointerType<'ctx>,
}

impl<'ctx> Ir<'ctx> {
    pub fn new(ctx: &'ctx Context, module: &'ctx Module<'ctx>) -> Self {
        Ir {
            ctx,
            module,
            b: ctx.create_builder(),
            f32: ctx.f32_type(),
            i32: ctx.i32_type(),
            i64: ctx.i64_type(),
            ptr: ctx.ptr_type(AddressSpace::default()),
        }
    }

    pub fn elem_type(&self, elem: Elem) -> BasicTypeEnum<'ctx> {
        match elem {
            Elem::F32 => self.f32.into(),
            Elem::I32 => self.i32.into(),
        }
    }

    pub fn vec_type(&self, elem: Elem, width: u32) -> VectorType<'ctx> {
        match elem {
            Elem::F32 => self.f32.vec_type(width),
            Elem::I32 => self.i32.vec_type(width),
        }
    }

    pub fn int(&self, v: u64) -> IntValue<'ctx> {
        self.i64.const_int(v, false)
    }

    /// `a + b`. Zero terms (offsets often are) are left out here rather
    /// than by LLVM: instruction combining takes a quarter of the
    /// optimizer's time, in proportion to the instructions it is given.
    pub fn add(&self, a: IntValue<'ctx>, b: IntValue<'ctx>) -> Res<IntValue<'ctx>> {
        let is_zero = |v: IntValue| v.get_zero_extended_constant() == Some(0);
        match (is_zero(a), is_zero(b)) {
            (_, true) => Ok(a),
            (true, false) => Ok(b),
            (false, false) => self.b.build_int_add(a, b, ""),
        }
    }

    /// `a·c` with a constant `c`.
    pub fn mul(&self, a: IntValue<'ctx>, c: u64) -> Res<IntValue<'ctx>> {
        match c {
            0 => Ok(self.int(0)),
            1 => Ok(a),
            _ => self.b.build_int_mul(a, self.int(c), ""),
        }
    }

    /// `a + b·c` with a constant `c`.
    pub fn add_mul(&self, a: IntValue<'ctx>, b: IntValue<'ctx>, c: u64) -> Res<IntValue<'ctx>> {
        self.add(a, self.mul(b, c)?)
    }

    /// Splits an index by a constant: (index / d, index % d).
    pub fn div_rem(&self, index: IntValue<'ctx>, d: u64) -> Res<(IntValue<'ctx>, IntValue<'ctx>)> {
        let q = self.b.build_int_unsigned_div(index, self.int(d), "")?;
        let r = self.b.build_int_unsigned_rem(index, self.int(d), "")?;
        Ok((q, r))
    }

    /// The address of element `index` of a buffer of `elem`.
    pub fn at(
        &self,
        elem: BasicTypeEnum<'ctx>,
        base: PointerValue<'ctx>,
        index: IntValue<'ctx>,
    ) -> Res<PointerValue<'ctx>> {
        // SAFETY: building a GEP instruction only adds IR; it dereferences
        // nothing here. The generated code's accesses stay in bounds by the
        // generators' index arithmetic, and buffer lengths are checked by
        // `Kernel::run` before any generated code runs.
        unsafe { self.b.build_in_bounds_gep(elem, base, &[index], "") }
    }

    /// The parameters of a kernel function: buffer table, first and last+1 work item.
    pub fn kernel_params(function: FunctionValue<'ctx>) -> (PointerValue<'ctx>, IntValue<'ctx>, IntValue<'ctx>) {
        let param = |i| function.get_nth_param(i).expect("kernels take (ptr, i64, i64)");
        (param(0).into_pointer_value(), param(1).into_int_value(), param(2).into_int_value())
    }

    /// Runs `body` for each work item of `[begin, end)`, then returns.
    pub fn for_each_item(
        &self,
        function: FunctionValue<'ctx>,
        mut body: impl FnMut(IntValue<'ctx>) -> Res<()>,
    ) -> Res<()> {
        let (_, begin, end) = Self::kernel_params(function);
        self.counted_loop(function, begin, end, 1, Vec::new(), |item, _| body(item).map(|()| Vec::new()))?;
        self.b.build_return(None)?;
        Ok(())
    }

    /// Buffer `i` of a kernel's buffer table.
    pub fn buffer(&self, table: PointerValue<'ctx>, i: u64) -> Res<PointerValue<'ctx>> {
        let slot = self.at(self.ptr.into(), table, self.int(i))?;
        Ok(self.b.build_load(self.ptr, slot, "")?.into_pointer_value())
    }

    /// Loads `ty` (a scalar or a vector) from element `index` of an `elem`
    /// buffer. Buffers are only 4-byte aligned, so vector accesses are marked
    /// unaligned.
    pub fn load(
        &self,
        ty: BasicTypeEnum<'ctx>,
        elem: Elem,
        base: PointerValue<'ctx>,
        index: IntValue<'ctx>,
    ) -> Res<BasicValueEnum<'ctx>> {
        let value = self.b.build_load(ty, self.at(self.elem_type(elem), base, index)?, "")?;
        if let Some(inst) = value.as_instruction_value() {
            inst.set_alignment(4).map_err(|_| BuilderError::UnsetPosition)?;
        }
        Ok(value)
    }

    pub fn store(
        &self,
        elem: Elem,
        base: PointerValue<'ctx>,
        index: IntValue<'ctx>,
        value: impl BasicValue<'ctx>,
    ) -> Res<()> {
        let inst = self.b.build_store(self.at(self.elem_type(elem), base, index)?, value)?;
        inst.set_alignment(4).map_err(|_| BuilderError::UnsetPosition)?;
        Ok(())
    }

    /// A vector of `width` copies of `scalar`.
    pub fn splat(&self, scalar: BasicValueEnum<'ctx>, width: u32) -> Res<VectorValue<'ctx>> {
        let ty = match scalar {
            BasicValueEnum::FloatValue(f) => f.get_type().vec_type(width),
            other => other.into_int_value().get_type().vec_type(width),
        };
        let one = self.b.build_insert_element(ty.get_poison(), scalar, self.i32.const_zero(), "")?;
        let zeros = self.i32.vec_type(width).const_zero();
        self.b.build_shuffle_vector(one, ty.get_poison(), zeros, "")
    }

    pub fn splat_f32(&self, value: f64, width: u32) -> Res<VectorValue<'ctx>> {
        self.splat(self.f32.const_float(value).into(), width)
    }

    /// Loads the lanes described by `lanes` into a vector of `width`.
    pub fn load_lanes(
        &self,
        elem: Elem,
        base: PointerValue<'ctx>,
        lanes: &Lanes<'ctx>,
        width: u32,
    ) -> Res<VectorValue<'ctx>> {
        let scalar_ty = self.elem_type(elem);
        if lanes.stride == 0 {
            return self.splat(self.load(scalar_ty, elem, base, lanes.base)?, width);
        }
        if lanes.stride == 1 && lanes.valid == width {
            return Ok(self.load(self.vec_type(elem, width).into(), elem, base, lanes.base)?.into_vector_value());
        }
        if lanes.stride == 1 {
            let ty = self.vec_type(elem, width);
            let args = [
                self.at(scalar_ty, base, lanes.base)?.into(),
                self.mask(lanes.valid, width).into(),
                ty.const_zero().into(),
            ];
            let types = [ty.into(), self.ptr.into()];
            return Ok(self.intrinsic_overloaded("llvm.masked.load", &types, &args)?.into_vector_value());
        }
        let mut v = self.vec_type(elem, width).const_zero();
        for l in 0..lanes.valid {
            let index = self.add(lanes.base, self.int(l as u64 * lanes.stride))?;
            let x = self.load(scalar_ty, elem, base, index)?;
            v = self.b.build_insert_element(v, x, self.i32.const_int(l as u64, false), "")?;
        }
        Ok(v)
    }

    /// Stores the valid lanes of `v` where `lanes` says.
    pub fn store_lanes(
        &self,
        elem: Elem,
        base: PointerValue<'ctx>,
        lanes: &Lanes<'ctx>,
        v: VectorValue<'ctx>,
    ) -> Res<()> {
        let width = v.get_type().get_size();
        if lanes.stride == 1 && lanes.valid == width {
            return self.store(elem, base, lanes.base, v);
        }
        if lanes.stride == 1 {
            // The valid lanes as whole narrower vectors (7 lanes: 4, 2 and
            // 1): masked stores are slow on AMD's cores (Winograd's 3×3 conv
            // over 14×14, 7 lanes per row of tiles: 1.34 against 1.47 ms).
            let mut first = 0;
            for piece in [16, 8, 4, 2, 1] {
                if lanes.valid - first >= piece {
                    let part: Vec<_> = (first..first + piece).map(|l| self.i32.const_int(l as u64, false)).collect();
                    let part = self.b.build_shuffle_vector(
                        v,
                        v.get_type().get_poison(),
                        VectorType::const_vector(&part),
                        "",
                    )?;
                    let value: BasicValueEnum = if piece == 1 {
                        self.b.build_extract_element(part, self.i32.const_zero(), "")?
                    } else {
                        part.into()
                    };
                    self.store(elem, base, self.add(lanes.base, self.int(first as u64))?, value)?;
                    first += piece;
                }
            }
            return Ok(());
        }
        for l in 0..lanes.valid {
            let index = self.add(lanes.base, self.int(l as u64 * lanes.stride))?;
            let x = self.b.build_extract_element(v, self.i32.const_int(l as u64, false), "")?;
            self.store(elem, base, index, x)?;
        }
        Ok(())
    }

    /// The constant lane mask with the first `valid` of `width` lanes on.
    fn mask(&self, valid: u32, width: u32) -> VectorValue<'ctx> {
        let bit = self.ctx.bool_type();
        let lanes: Vec<_> = (0..width).map(|l| bit.const_int(u64::from(l < valid), false)).collect();
        VectorType::const_vector(&lanes)
    }

    /// Calls the overloaded intrinsic `name` specialized to `ty`.
    pub fn intrinsic(
        &self,
        name: &str,
        ty: BasicTypeEnum<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> Res<BasicValueEnum<'ctx>> {
        self.intrinsic_overloaded(name, &[ty], args)
    }

    pub fn intrinsic_overloaded(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'ctx>],
        args: &[BasicValueEnum<'ctx>],
    ) -> Res<BasicValueEnum<'ctx>> {
        let function = Intrinsic::find(name)
            .and_then(|i| i.get_declaration(self.module, types))
            .ok_or(BuilderError::UnsetPosition)?;
        self.call(function, args)
    }

    pub fn call(&self, function: FunctionValue<'ctx>, args: &[BasicValueEnum<'ctx>]) -> Res<BasicValueEnum<'ctx>> {
        let args: Vec<BasicMetadataValueEnum> = args.iter().map(|&a| a.into()).collect();
        self.b.build_call(function, &args, "")?.try_as_basic_value().basic().ok_or(BuilderError::UnsetPosition)
    }

    /// Hints that element `index` of `base` will be read (or written) soon. The address
    /// may lie past the buffer: a prefetch never faults.
    pub fn prefetch(&self, elem: Elem, base: PointerValue<'ctx>, index: IntValue<'ctx>, write: bool) -> Res<()> {
        // SAFETY: a plain (not in-bounds) GEP only computes an address; the
        // prefetch below does not dereference it.
        let at = unsafe { self.b.build_gep(self.elem_type(elem), base, &[index], "")? };
        let (read, keep) = (self.i32.const_int(u64::from(write), false), self.i32.const_int(3, false));
        let data = self.i32.const_int(1, false);
        let function = Intrinsic::find("llvm.prefetch")
            .and_then(|i| i.get_declaration(self.module, &[self.ptr.into()]))
            .ok_or(BuilderError::UnsetPosition)?;
        self.b.build_call(function, &[at.into(), read.into(), keep.into(), data.into()], "")?;
        Ok(())
    }

    /// `llvm.fma(a, b, c)` = a·b + c with one rounding.
    pub fn fma(&self, a: VectorValue<'ctx>, b: VectorValue<'ctx>, c: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
        Ok(self.intrinsic("llvm.fma", a.get_type().into(), &[a.into(), b.into(), c.into()])?.into_vector_value())
    }

    /// `if pred(a, b) { then } else { a }` lane-wise on f32 vectors.
    pub fn select_if(
        &self,
        pred: FloatPredicate,
        a: VectorValue<'ctx>,
        b: VectorValue<'ctx>,
        then: VectorValue<'ctx>,
    ) -> Res<VectorValue<'ctx>> {
        let mask = self.b.build_float_compare(pred, a, b, "")?;
        Ok(self.b.build_select(mask, then, a, "")?.into_vector_value())
    }

    /// Emits `body(i, width)` for piece `i` of `len` elements cut into
    /// pieces of `width`: a loop over the whole pieces, then the partial
    /// last one (`len % width` elements), if any.
    pub fn pieces(
        &self,
        function: FunctionValue<'ctx>,
        len: usize,
        width: usize,
        mut body: impl FnMut(IntValue<'ctx>, usize) -> Res<()>,
    ) -> Res<()> {
        let whole = self.int((len / width) as u64);
        self.counted_loop(function, self.int(0), whole, 1, Vec::new(), |i, _| body(i, width).map(|()| Vec::new()))?;
        if !len.is_multiple_of(width) {
            body(whole, len % width)?;
        }
        Ok(())
    }

    /// A counted loop `for i in (start..end).step_by(step)` carrying
    /// `carried` values through phis; `body` returns their next values.
    pub fn counted_loop(
        &self,
        function: FunctionValue<'ctx>,
        start: IntValue<'ctx>,
        end: IntValue<'ctx>,
        step: u64,
        carried: Vec<BasicValueEnum<'ctx>>,
        mut body: impl FnMut(IntValue<'ctx>, Vec<BasicValueEnum<'ctx>>) -> Res<Vec<BasicValueEnum<'ctx>>>,
    ) -> Res<Vec<BasicValueEnum<'ctx>>> {
        let entry = self.b.get_insert_block().ok_or(BuilderError::UnsetPosition)?;
        let header = self.ctx.append_basic_block(function, "loop");
        let body_block = self.ctx.append_basic_block(function, "body");
        let exit = self.ctx.append_basic_block(function, "exit");
        self.b.build_unconditional_branch(header)?;
        self.b.position_at_end(header);
        let index = self.b.build_phi(self.i64, "i")?;
        let phis = carried.iter().map(|v| self.b.build_phi(v.get_type(), "")).collect::<Res<Vec<_>>>()?;
        index.add_incoming(&[(&start, entry)]);
        for (phi, v) in phis.iter().zip(&carried) {
            phi.add_incoming(&[(v, entry)]);
        }
        let i = index.as_basic_value().into_int_value();
        let more = self.b.build_int_compare(IntPredicate::ULT, i, end, "")?;
        self.b.build_conditional_branch(more, body_block, exit)?;
        self.b.position_at_end(body_block);
        let current = phis.iter().map(|p| p.as_basic_value()).collect();
        let next = body(i, current)?;
        let next_i = self.add(i, self.int(step))?;
        let latch = self.b.get_insert_block().ok_or(BuilderError::UnsetPosition)?;
        index.add_incoming(&[(&next_i, latch)]);
        for (phi, v) in phis.iter().zip(&next) {
            phi.add_incoming(&[(v, latch)]);
        }
        self.b.build_unconditional_branch(header)?;
        self.b.position_at_end(exit);
        Ok(phis.iter().map(|p| p.as_basic_value()).collect())
    }
}

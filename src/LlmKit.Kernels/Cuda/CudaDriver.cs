using System.Runtime.InteropServices;
using System.Text;

namespace LlmKit.Kernels.Cuda;

/// <summary>
/// The few CUDA driver API entry points the backend needs, bound at run time from libcuda.so.1 (nvcuda.dll on
/// Windows) with <see cref="NativeLibrary"/>, so a machine without a driver loads this assembly and simply reports
/// CUDA as unavailable instead of failing with <see cref="DllNotFoundException"/>.
/// </summary>
internal sealed unsafe class CudaDriver
{
    private readonly delegate* unmanaged<uint, int> cuInit;
    private readonly delegate* unmanaged<int*, int> cuDeviceGetCount;
    private readonly delegate* unmanaged<int*, int, int> cuDeviceGet;
    private readonly delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
    private readonly delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
    private readonly delegate* unmanaged<nint*, int, int> cuDevicePrimaryCtxRetain;
    private readonly delegate* unmanaged<int, int> cuDevicePrimaryCtxRelease;
    private readonly delegate* unmanaged<nint, int> cuCtxSetCurrent;
    private readonly delegate* unmanaged<int> cuCtxSynchronize;
    private readonly delegate* unmanaged<nint*, byte*, int> cuModuleLoadData;
    private readonly delegate* unmanaged<nint, int> cuModuleUnload;
    private readonly delegate* unmanaged<nint*, nint, byte*, int> cuModuleGetFunction;
    private readonly delegate* unmanaged<ulong*, nuint, int> cuMemAlloc;
    private readonly delegate* unmanaged<ulong, int> cuMemFree;
    private readonly delegate* unmanaged<ulong, void*, nuint, int> cuMemcpyHtoD;
    private readonly delegate* unmanaged<void*, ulong, nuint, int> cuMemcpyDtoH;
    private readonly delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> cuLaunchKernel;
    private readonly delegate* unmanaged<int, byte**, int> cuGetErrorString;

    private CudaDriver(nint library)
    {
        cuInit = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(library, "cuInit");
        cuDeviceGetCount = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(library, "cuDeviceGetCount");
        cuDeviceGet = (delegate* unmanaged<int*, int, int>)NativeLibrary.GetExport(library, "cuDeviceGet");
        cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)NativeLibrary.GetExport(library, "cuDeviceGetName");
        cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)NativeLibrary.GetExport(library, "cuDeviceGetAttribute");
        cuDevicePrimaryCtxRetain = (delegate* unmanaged<nint*, int, int>)NativeLibrary.GetExport(library, "cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(library, "cuDevicePrimaryCtxRelease_v2");
        cuCtxSetCurrent = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cuCtxSetCurrent");
        cuCtxSynchronize = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "cuCtxSynchronize");
        cuModuleLoadData = (delegate* unmanaged<nint*, byte*, int>)NativeLibrary.GetExport(library, "cuModuleLoadData");
        cuModuleUnload = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cuModuleUnload");
        cuModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)NativeLibrary.GetExport(library, "cuModuleGetFunction");
        cuMemAlloc = (delegate* unmanaged<ulong*, nuint, int>)NativeLibrary.GetExport(library, "cuMemAlloc_v2");
        cuMemFree = (delegate* unmanaged<ulong, int>)NativeLibrary.GetExport(library, "cuMemFree_v2");
        cuMemcpyHtoD = (delegate* unmanaged<ulong, void*, nuint, int>)NativeLibrary.GetExport(library, "cuMemcpyHtoD_v2");
        cuMemcpyDtoH = (delegate* unmanaged<void*, ulong, nuint, int>)NativeLibrary.GetExport(library, "cuMemcpyDtoH_v2");
        cuLaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)NativeLibrary.GetExport(library, "cuLaunchKernel");
        cuGetErrorString = (delegate* unmanaged<int, byte**, int>)NativeLibrary.GetExport(library, "cuGetErrorString");
    }

    /// <summary>Loads the driver library, or returns null with the reason when there is none.</summary>
    public static CudaDriver? TryLoad(out string reason)
    {
        string name = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(name, out nint library))
        {
            reason = $"No CUDA driver: {name} could not be loaded.";
            return null;
        }

        try
        {
            reason = "loaded";
            return new CudaDriver(library);
        }
        catch (EntryPointNotFoundException ex)
        {
            reason = $"The CUDA driver {name} is too old: {ex.Message}";
            return null;
        }
    }

    public void Init() => Check(cuInit(0), "cuInit");

    public int DeviceCount()
    {
        int count;
        Check(cuDeviceGetCount(&count), "cuDeviceGetCount");
        return count;
    }

    public int Device(int ordinal)
    {
        int device;
        Check(cuDeviceGet(&device, ordinal), "cuDeviceGet");
        return device;
    }

    public string DeviceName(int device)
    {
        byte* buffer = stackalloc byte[256];
        Check(cuDeviceGetName(buffer, 256, device), "cuDeviceGetName");
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "unknown";
    }

    public int Attribute(int device, int attribute)
    {
        int value;
        Check(cuDeviceGetAttribute(&value, attribute, device), "cuDeviceGetAttribute");
        return value;
    }

    public nint RetainPrimaryContext(int device)
    {
        nint context;
        Check(cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        return context;
    }

    public void ReleasePrimaryContext(int device) => cuDevicePrimaryCtxRelease(device);

    public void SetCurrent(nint context) => Check(cuCtxSetCurrent(context), "cuCtxSetCurrent");

    public void Synchronize() => Check(cuCtxSynchronize(), "cuCtxSynchronize");

    public nint LoadModule(byte[] image)
    {
        nint module;
        fixed (byte* p = image)
        {
            Check(cuModuleLoadData(&module, p), "cuModuleLoadData");
        }

        return module;
    }

    public void UnloadModule(nint module) => cuModuleUnload(module);

    public nint Function(nint module, string name)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(name + "\0");
        nint function;
        fixed (byte* p = bytes)
        {
            Check(cuModuleGetFunction(&function, module, p), $"cuModuleGetFunction({name})");
        }

        return function;
    }

    public ulong Alloc(long bytes)
    {
        ulong pointer;
        Check(cuMemAlloc(&pointer, (nuint)Math.Max(bytes, 4)), "cuMemAlloc");
        return pointer;
    }

    public void Free(ulong pointer)
    {
        if (pointer != 0)
        {
            cuMemFree(pointer);
        }
    }

    public void CopyToDevice(ulong destination, void* source, long bytes) =>
        Check(cuMemcpyHtoD(destination, source, (nuint)bytes), "cuMemcpyHtoD");

    public void CopyToHost(void* destination, ulong source, long bytes) =>
        Check(cuMemcpyDtoH(destination, source, (nuint)bytes), "cuMemcpyDtoH");

    public void Launch(nint function, uint gridX, uint gridY, uint blockX, void** arguments) =>
        Check(cuLaunchKernel(function, gridX, gridY, 1, blockX, 1, 1, 0, 0, arguments, null), "cuLaunchKernel");

    private void Check(int result, string call)
    {
        if (result == 0)
        {
            return;
        }

        byte* message = null;
        string text = cuGetErrorString(result, &message) == 0 && message != null
            ? Marshal.PtrToStringUTF8((nint)message) ?? string.Empty
            : string.Empty;
        throw new CudaException($"{call} failed with CUDA error {result}: {text}", result);
    }
}

// libHaru (Debian's libhpdf-dev), the PDF writer of the generated documents (issue 26, SZ-2/SZ-6).
#include <hpdf.h>
